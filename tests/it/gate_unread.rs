//! Issue 9, the hook side: what the hook cannot read is not accepted (`on_error`, default
//! reject, said to the pusher), a loose object whose zlib stream is cut short never makes a
//! scan spin, and a large blob is read as a stream.

use crate::hook::support::{client_with_base, creds, hook_direct, push, Server};
use crate::util::{assert_no_secret, run, TestRepo};
use rolecall::fake::FakeKeys;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Writes `contents` as a loose blob in `repo` and returns its id and loose file path.
fn loose_blob(repo: &TestRepo, contents: &str) -> (String, PathBuf) {
    let file = repo.path().join(".git/blob-input");
    std::fs::write(&file, contents).unwrap();
    let out = repo.git(&["hash-object", "-w", file.to_str().unwrap()]);
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let path = repo
        .path()
        .join(".git/objects")
        .join(&id[..2])
        .join(&id[2..]);
    (id, path)
}

/// Cuts the loose object at `path` to `keep` of its bytes (a zlib stream cut short).
fn cut_short(path: &Path, keep: f64) {
    let bytes = std::fs::read(path).unwrap();
    let n = ((bytes.len() as f64) * keep) as usize;
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
    std::fs::write(path, &bytes[..n]).unwrap();
}

/// A long text holding a key pair in its middle.
fn text_with_pair(seed: u64) -> (String, rolecall::fake::FakePair) {
    let pair = FakeKeys::new(seed).pair();
    let mut text = String::new();
    for i in 0..400 {
        text.push_str(&format!(
            "line {i} of the settings file, nothing to see here\n"
        ));
    }
    text.push_str(&creds(&pair));
    for i in 0..400 {
        text.push_str(&format!("more {i}\n"));
    }
    (text, pair)
}

/// Runs the real hook on a push whose quarantine holds only `loose` (the loose object file
/// of `id`); returns (exit code, text) and asserts it returned within 20 s.
fn hook_on_quarantined(server: &Server, id: &str, loose: &Path) -> (i32, String) {
    let quarantine = tempfile::tempdir().unwrap();
    let dir = quarantine.path().join(&id[..2]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(loose, dir.join(&id[2..])).unwrap();
    let stdin = format!("{} {} refs/heads/main\n", "0".repeat(40), id);
    let started = Instant::now();
    let out = hook_direct(
        server,
        stdin.as_bytes(),
        &[("GIT_QUARANTINE_PATH", quarantine.path().to_str().unwrap())],
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    out
}

#[test]
fn issue_9_unreadable_pushed_object_follows_on_error_and_is_rejected() {
    let server = Server::new();
    let client = TestRepo::new();
    let (text, pair) = text_with_pair(931);
    // A complete zlib stream whose header declares more bytes than it holds.
    let raw = format!("blob {}\0{}", text.len() + 1000, text);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, raw.as_bytes()).unwrap();
    let compressed = z.finish().unwrap();
    let id = FakeKeys::new(934).hex40();
    let path = client.path().join("bad-object");
    std::fs::write(&path, compressed).unwrap();
    let (code, out) = hook_on_quarantined(&server, &id, &path);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("1 object of this push could not be read"),
        "{out}"
    );
    assert!(out.contains("on_error = \"reject\""), "{out}");
    assert_no_secret(&out, &[&pair.key_id, &pair.secret]);
    server.config("[hook]\non_error = \"allow\"\n");
    let (code, out) = hook_on_quarantined(&server, &id, &path);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ACCEPTED UNCHECKED"), "{out}");
}

#[test]
fn issue_9_cut_short_pushed_object_does_not_spin_the_hook() {
    let server = Server::new();
    let client = TestRepo::new();
    let (text, pair) = text_with_pair(935);
    let (id, path) = loose_blob(&client, &text);
    cut_short(&path, 0.5);
    let (code, out) = hook_on_quarantined(&server, &id, &path);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("cut short"), "{out}");
    assert!(out.contains("on_error"), "{out}");
    assert_no_secret(&out, &[&pair.key_id, &pair.secret]);
}

/// Runs `rolecall` with `args` in `dir`, killed after 60 s; returns (code, output) and whether
/// it had to be killed.
fn bounded(dir: &Path, args: &[&str]) -> (Option<i32>, String, bool) {
    let mut child = Command::new(crate::util::rolecall_bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            return (status.code(), text, false);
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            let _ = child.wait();
            return (None, String::new(), true);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn issue_9_cut_short_loose_objects_do_not_spin_scan_or_range() {
    let repo = TestRepo::new();
    repo.write("README.md", "# app\n");
    let base = repo.commit("base");
    let (text, _pair) = text_with_pair(932);
    repo.write("settings.ini", &text);
    let head = repo.commit("settings");
    let blob = repo.rev_parse("HEAD:settings.ini");
    let loose = |id: &str| {
        repo.path()
            .join(".git/objects")
            .join(&id[..2])
            .join(&id[2..])
    };
    cut_short(&loose(&blob), 0.5);
    let (code, out, killed) = bounded(repo.path(), &["scan"]);
    assert!(!killed, "scan spun on a cut-short loose blob");
    assert_ne!(code, Some(0), "{out}");
    let range = format!("{base}..{head}");
    let (code, out, killed) = bounded(repo.path(), &["scan", "--range", &range]);
    assert!(!killed, "scan --range spun on a cut-short loose blob");
    assert_ne!(code, Some(0), "{out}");
    // A cut-short commit object as well.
    cut_short(&loose(&head), 0.6);
    let (_, _, killed) = bounded(repo.path(), &["scan"]);
    assert!(!killed, "scan spun on a cut-short loose commit");
    let (_, _, killed) = bounded(repo.path(), &["scan", "--range", &range]);
    assert!(!killed, "scan --range spun on a cut-short loose commit");
}

#[test]
fn issue_9_large_blob_with_a_key_is_streamed_and_rejected() {
    let server = Server::new();
    server.config("[hook]\ntime_budget_ms = 120000\n");
    let client = client_with_base(&server);
    let pair = FakeKeys::new(933).pair();
    // 40 MiB: over the size read whole (32 MiB), so the hook reads it as a stream. A debug
    // build needs more than the default 4 s budget for it.
    let filler = "# padding line for a large generated file, nothing secret\n".repeat(360_000);
    let mut big = filler.clone();
    big.push_str(&creds(&pair));
    big.push_str(&filler);
    client.write("data/dump.ini", &big);
    client.commit("add dump");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("data/dump.ini"), "{}", p.text);
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
    let _ = run;
}
