//! The pre-receive hook end to end: real bare repositories, the real hook installed with
//! `rolecall hook install`, real `git push` over `file://` (and over `git daemon` in
//! `hook_daemon`). Every key is generated at run time; no output may hold a whole secret.

#[path = "hook_support.rs"]
pub mod support;

use crate::util::{assert_no_secret, rolecall_bin, rolecall_cmd, run, TestRepo};
use rolecall::fake::FakeKeys;
use std::process::{Command, Stdio};
use support::{client_with_base, creds, hook_direct, short};
pub use support::{push, twenty_concurrent_pushes, Server};

#[test]
fn hook_clean_push_is_accepted() {
    let server = Server::new();
    let client = client_with_base(&server);
    client.write(
        "src/app.py",
        "import boto3\ns3 = boto3.client('s3', region_name='eu-west-1')\n",
    );
    let head = client.commit("set region");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(p.accepted(), "{}", p.text);
    assert!(
        p.text
            .contains("remote: rolecall: accepted 1 ref update(s)"),
        "{}",
        p.text
    );
    assert_eq!(server.rev("main").as_deref(), Some(head.as_str()));
}

#[test]
fn hook_key_added_then_deleted_inside_the_push_is_rejected_naming_the_commit() {
    let server = Server::new();
    let client = client_with_base(&server);
    let before = server.rev("main");
    let pair = FakeKeys::new(301).pair();
    client.write("deploy/credentials", creds(&pair));
    let leak = client.commit("add deploy credentials");
    client.remove("deploy/credentials");
    client.commit("remove credentials again");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(
        p.text
            .contains("remote: rolecall: push rejected: 2 AWS credentials"),
        "{}",
        p.text
    );
    assert!(
        p.text.contains(&format!("commit {}", short(&leak))),
        "{}",
        p.text
    );
    assert!(
        p.text
            .contains("deploy/credentials:2  AWS access key ID  critical"),
        "{}",
        p.text
    );
    assert!(
        p.text
            .contains("deploy/credentials:3  AWS secret access key  critical"),
        "{}",
        p.text
    );
    assert!(p.text.contains("(account 210987654321)"), "{}", p.text);
    assert!(
        p.text.contains(&format!("git rebase -i {}^", short(&leak))),
        "{}",
        p.text
    );
    assert!(p.text.contains("Rotate this key"), "{}", p.text);
    assert!(p.text.contains("pre-receive hook declined"), "{}", p.text);
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
    assert_eq!(server.rev("main"), before, "the ref must not move");
    assert!(
        !server.has_object(&leak),
        "the rejected commit must not land"
    );
}

#[test]
fn hook_rejection_reads_well_after_the_remote_prefix() {
    let server = Server::new();
    let client = client_with_base(&server);
    let pair = FakeKeys::new(302).pair();
    client.write("config/aws.ini", creds(&pair));
    client.commit("configure aws");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted());
    let remote: Vec<&str> = p
        .text
        .lines()
        .filter(|l| l.starts_with("remote: "))
        .collect();
    assert!(remote.len() >= 10, "{}", p.text);
    for line in &remote {
        assert!(
            line.trim_end().chars().count() <= 108,
            "line too long after remote: {line:?}"
        );
        assert!(!line.contains('\t') && !line.contains('\x1b'), "{line:?}");
    }
    for needle in [
        "What to do next:",
        "rolecall fix",
        "update-access-key",
        "--status Inactive",
    ] {
        assert!(p.text.contains(needle), "missing {needle:?}: {}", p.text);
    }
    let redacted = rolecall::finding::redact(&pair.key_id);
    assert!(p.text.contains(&redacted), "{}", p.text);
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

#[test]
fn hook_key_only_in_a_commit_message_is_rejected() {
    let server = Server::new();
    let client = client_with_base(&server);
    let pair = FakeKeys::new(303).pair();
    client.write("NOTES.md", "rotate weekly\n");
    let c = client.commit(&format!(
        "use the ci user\n\naws_access_key_id={}\naws_secret_access_key={}\n",
        pair.key_id, pair.secret
    ));
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(
        p.text.contains(&format!("commit {}", short(&c))),
        "{}",
        p.text
    );
    assert!(
        p.text.contains("commit message, line 3  AWS access key ID"),
        "{}",
        p.text
    );
    assert!(p.text.contains("\"reword\""), "{}", p.text);
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

#[test]
fn hook_annotated_tag_message_is_scanned() {
    let server = Server::new();
    let client = client_with_base(&server);
    let pair = FakeKeys::new(304).pair();
    let msg = format!(
        "release\n\nAWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\n",
        pair.key_id, pair.secret
    );
    client.git(&["tag", "-a", "v1.0", "-m", &msg]);
    let p = push(client.path(), &server.url(), &["refs/tags/v1.0"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("tag message, line 3"), "{}", p.text);
    assert!(server.rev("refs/tags/v1.0").is_none());
    client.git(&["tag", "-a", "v1.1", "-m", "release 1.1"]);
    let p = push(client.path(), &server.url(), &["refs/tags/v1.1"]);
    assert!(p.accepted(), "{}", p.text);
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

#[test]
fn hook_new_branch_on_commits_the_server_already_has_is_not_rescanned() {
    // The server got a key before the hook was installed.
    let server = Server::without_hook();
    let client = TestRepo::new();
    let pair = FakeKeys::new(305).pair();
    client.write("old/credentials", creds(&pair));
    let leak = client.commit("old leak, before the hook existed");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(p.accepted(), "{}", p.text);
    server.install_hook();
    // A new branch pointing at the old commit, and a tag-less second ref: nothing new.
    let p = push(client.path(), &server.url(), &["main:refs/heads/release"]);
    assert!(p.accepted(), "{}", p.text);
    assert!(p.text.contains("0 new object(s)"), "{}", p.text);
    assert!(
        p.text.contains("scanned 0 blob(s), 0 message(s), 0 bytes"),
        "{}",
        p.text
    );
    assert_eq!(server.rev("release").as_deref(), Some(leak.as_str()));
    // A clean commit on top is scanned alone: one blob, one message.
    client.write("README.md", "hello\n");
    client.commit("readme");
    let p = push(client.path(), &server.url(), &["main:refs/heads/release"]);
    assert!(p.accepted(), "{}", p.text);
    assert!(
        p.text.contains("scanned 1 blob(s), 1 message(s)"),
        "{}",
        p.text
    );
}

#[test]
fn hook_force_push_is_judged_on_its_new_commits() {
    let server = Server::new();
    let client = client_with_base(&server);
    client.write("a.txt", "one\n");
    client.commit("one");
    assert!(push(client.path(), &server.url(), &["main"]).accepted());
    let pushed = server.rev("main");
    client.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let pair = FakeKeys::new(306).pair();
    client.write("a.txt", creds(&pair));
    let leak = client.commit("rewritten one");
    let p = push(client.path(), &server.url(), &["--force", "main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains(short(&leak)), "{}", p.text);
    assert_eq!(server.rev("main"), pushed);
    client.git(&["reset", "-q", "--hard", "HEAD~1"]);
    client.write("a.txt", "uno\n");
    let clean = client.commit("rewritten one, clean");
    let p = push(client.path(), &server.url(), &["--force", "main"]);
    assert!(p.accepted(), "{}", p.text);
    assert_eq!(server.rev("main").as_deref(), Some(clean.as_str()));
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

#[test]
fn hook_multi_ref_push_with_one_leaking_ref_is_rejected_whole() {
    let server = Server::new();
    let client = client_with_base(&server);
    client.git(&["checkout", "-q", "-b", "feature-a"]);
    client.write("a.txt", "clean\n");
    client.commit("clean feature");
    client.git(&["checkout", "-q", "-b", "feature-b", "main"]);
    let pair = FakeKeys::new(307).pair();
    client.write(
        "b.env",
        format!(
            "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\n",
            pair.key_id, pair.secret
        ),
    );
    let leak = client.commit("leaky feature");
    client.git(&["checkout", "-q", "main"]);
    client.write("c.txt", "main moves too\n");
    client.commit("main change");
    let before = server.rev("main");
    let p = push(
        client.path(),
        &server.url(),
        &["main", "feature-a", "feature-b"],
    );
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains(short(&leak)), "{}", p.text);
    assert!(p.text.contains("rejected 3 ref update(s)"), "{}", p.text);
    assert_eq!(server.rev("main"), before);
    assert!(server.rev("feature-a").is_none(), "nothing lands");
    assert!(server.rev("feature-b").is_none(), "nothing lands");
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

#[test]
fn hook_deletion_is_accepted() {
    let server = Server::new();
    let client = client_with_base(&server);
    assert!(push(client.path(), &server.url(), &["main:refs/heads/tmp"]).accepted());
    assert!(server.rev("tmp").is_some());
    let p = push(client.path(), &server.url(), &[":refs/heads/tmp"]);
    assert!(p.accepted(), "{}", p.text);
    assert!(server.rev("tmp").is_none());
    assert!(p.text.contains("0 new object(s)"), "{}", p.text);
}

#[test]
fn hook_medium_findings_warn_and_are_accepted() {
    let server = Server::new();
    let client = client_with_base(&server);
    let key = FakeKeys::new(308).key_id("AKIA");
    client.write("settings.py", format!("AWS_ACCESS_KEY_ID = \"{key}\"\n"));
    let c = client.commit("key id alone");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(p.accepted(), "{}", p.text);
    assert!(
        p.text
            .contains("rolecall: warning: 1 possible AWS credential"),
        "{}",
        p.text
    );
    assert!(
        p.text.contains("settings.py:1  AWS access key ID  medium"),
        "{}",
        p.text
    );
    assert_eq!(server.rev("main").as_deref(), Some(c.as_str()));
    assert_no_secret(&p.text, &[&key]);
}

#[test]
fn hook_bypass_is_allowed_only_when_enabled_and_always_audited() {
    let server = Server::new();
    server.config_with_audit("allow_bypass = false");
    let client = client_with_base(&server);
    let pair = FakeKeys::new(309).pair();
    client.write("fixtures/creds.ini", creds(&pair));
    let c = client.commit("test fixture");
    let opt = "rolecall.bypass=fixture keys, rotated";
    let p = push(client.path(), &server.url(), &["-o", opt, "main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("bypass refused"), "{}", p.text);
    let log = server.audit();
    assert!(log.contains("\"outcome\":\"bypass-refused\""), "{log}");

    server.config_with_audit("allow_bypass = true");
    let p = push(
        client.path(),
        &server.url(),
        &["-o", "rolecall.bypass=", "main"],
    );
    assert!(!p.accepted(), "an empty reason is refused: {}", p.text);
    let p = push(client.path(), &server.url(), &["-o", opt, "main"]);
    assert!(p.accepted(), "{}", p.text);
    assert!(p.text.contains("ACCEPTED by bypass"), "{}", p.text);
    assert_eq!(server.rev("main").as_deref(), Some(c.as_str()));
    let log = server.audit();
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(last["outcome"], "bypassed");
    assert_eq!(last["accepted"], true);
    assert_eq!(last["reason"], "fixture keys, rotated");
    assert_eq!(last["user"], "dana-tester");
    assert_eq!(last["refs"][0]["ref"], "refs/heads/main");
    assert_eq!(last["refs"][0]["new"], c.as_str());
    assert_eq!(last["findings"].as_array().unwrap().len(), 2);
    assert_eq!(last["findings"][0]["commit"], c.as_str());
    assert!(last["time"].as_str().unwrap().ends_with("+00:00"));
    assert_eq!(log.lines().count(), 3, "{log}");
    assert_no_secret(&log, &[&pair.key_id, &pair.secret]);
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

fn big_push(client: &TestRepo) {
    // About 24 MB of new text in 300 blobs: far more than a 1 ms budget can scan.
    let mut g = FakeKeys::new(310);
    for i in 0..300 {
        let line = format!("value_{i} = \"{}\"\n", g.hex40());
        client.write(&format!("data/file_{i}.txt"), line.repeat(1800));
    }
    client.commit("large data drop");
}

#[test]
fn hook_timeout_follows_on_timeout_policy() {
    let server = Server::new();
    let client = client_with_base(&server);
    big_push(&client);
    server.config_with_audit("time_budget_ms = 1\non_timeout = \"reject\"");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(
        p.text
            .contains("did not finish within the server's time budget of 1 ms"),
        "{}",
        p.text
    );
    assert!(p.text.contains("on_timeout = \"reject\""), "{}", p.text);
    server.config_with_audit("time_budget_ms = 1\non_timeout = \"allow\"");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(p.accepted(), "{}", p.text);
    assert!(p.text.contains("ACCEPTED UNCHECKED"), "{}", p.text);
    let log = server.audit();
    let outcomes: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(outcomes.len(), 2, "{log}");
    assert!(outcomes.iter().all(|o| o["outcome"] == "timeout"));
    assert_eq!(
        (
            outcomes[0]["accepted"].as_bool(),
            outcomes[1]["accepted"].as_bool()
        ),
        (Some(false), Some(true))
    );
    server.assert_fsck_clean();
}

#[test]
fn hook_malformed_stdin_is_rejected_clearly() {
    let server = Server::new();
    let client = client_with_base(&server);
    let main = server.rev("main").unwrap();
    let zero = "0".repeat(40);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "no `<old> <new> <ref>` line"),
        (b"garbage\n".to_vec(), "line 1: 1 space-separated fields"),
        (
            format!("{zero} {main} refs/heads/x\n{main} nothex refs/heads/y\n").into_bytes(),
            "line 2: the new id",
        ),
        (
            format!("{zero} {main} heads/x\n").into_bytes(),
            "not a full ref name",
        ),
        (vec![0xff, 0x00, 0x80], "not valid UTF-8"),
    ];
    for (stdin, needle) in &cases {
        let (code, text) = hook_direct(&server, stdin, &[]);
        assert_eq!(code, 1, "{text}");
        assert!(
            text.contains("rolecall: push rejected: the check failed: malformed hook input"),
            "{text}"
        );
        assert!(text.contains(needle), "{needle:?}: {text}");
        assert!(!text.contains("panicked"), "{text}");
    }
    server.config("[hook]\non_error = \"allow\"\n");
    let (code, text) = hook_direct(&server, b"garbage\n", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("ACCEPTED UNCHECKED") && text.contains("on_error"),
        "{text}"
    );
    // A well-formed line without quarantine falls back to rev-list and accepts.
    server.config("");
    let line = format!("{zero} {main} refs/heads/copy\n");
    let (code, text) = hook_direct(&server, line.as_bytes(), &[]);
    assert_eq!(code, 0, "{text}");
    drop(client);
}

#[test]
fn hook_gitlab_mode_prefixes_rejection_lines() {
    let server = Server::new();
    server.config("[hook]\ngitlab = true\n");
    let client = client_with_base(&server);
    let pair = FakeKeys::new(311).pair();
    client.write(
        ".env",
        format!(
            "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\n",
            pair.key_id, pair.secret
        ),
    );
    client.commit("env");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted());
    let remote: Vec<&str> = p
        .text
        .lines()
        .filter(|l| l.starts_with("remote: "))
        .collect();
    assert!(!remote.is_empty());
    for l in remote {
        let l = l.trim_end();
        assert!(l.starts_with("remote: GL-HOOK-ERR:"), "{l:?}");
    }
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

#[test]
fn hook_install_refuses_a_foreign_hook_without_force() {
    let server = Server::without_hook();
    let hook = server.path().join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    let (code, _, err) = run(rolecall_cmd().args(["hook", "install"]).arg(server.path()));
    assert_ne!(code, 0);
    assert!(
        err.contains("not written by rolecall") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\nexit 0\n"
    );
    let (code, out, err) = run(rolecall_cmd()
        .args(["hook", "install", "--force"])
        .arg(server.path()));
    assert_eq!(code, 0, "{out}{err}");
    let text = std::fs::read_to_string(&hook).unwrap();
    assert!(
        text.contains(&format!(
            "exec '{}' hook pre-receive",
            rolecall_bin().canonicalize().unwrap().display()
        )),
        "{text}"
    );
    // Reinstalling over its own hook needs no --force.
    server.install_hook();
}

/// Pushes 20 branches at once (10 leaking, 10 clean) to `url` and checks each verdict.
#[test]
fn hook_twenty_concurrent_pushes_over_file_url() {
    let server = Server::new();
    twenty_concurrent_pushes(&server, &server.url());
}

#[test]
fn hook_thin_pack_bases_already_on_the_server_are_not_rescanned() {
    let server = Server::new();
    let client = TestRepo::new();
    let body: String = (0..200)
        .map(|l| format!("line {l} of a long file\n"))
        .collect();
    for i in 0..150 {
        client.write(&format!("src/m{i}.txt"), format!("module {i}\n{body}"));
    }
    client.commit("150 files");
    assert!(push(client.path(), &server.url(), &["main"]).accepted());
    // One line changes in each file: 150 new blobs sent as deltas against the server's blobs
    // (over receive.unpackLimit, so the thin pack is kept and index-pack adds the bases).
    for i in 0..150 {
        client.write(&format!("src/m{i}.txt"), format!("module {i} v2\n{body}"));
    }
    client.commit("touch every file");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(p.accepted(), "{}", p.text);
    assert!(
        p.text.contains("scanned 150 blob(s), 1 message(s)"),
        "{}",
        p.text
    );
    let present: usize = p
        .text
        .split("new object(s), ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("stats line");
    assert!(present > 0, "thin-pack bases were not seen: {}", p.text);
}

#[test]
fn hook_key_introduced_by_a_merge_resolution_is_rejected() {
    let server = Server::new();
    let client = client_with_base(&server);
    client.write("conf.ini", "a = 1\n");
    client.commit("conf");
    client.git(&["checkout", "-q", "-b", "side"]);
    client.write("conf.ini", "a = 2\n");
    client.commit("side");
    client.git(&["checkout", "-q", "main"]);
    client.write("conf.ini", "a = 3\n");
    client.commit("main");
    let out = client.git_env(&["merge", "-q", "side", "-m", "merge"], &[]);
    assert!(!out.status.success(), "the merge should conflict");
    let pair = FakeKeys::new(312).pair();
    client.write("conf.ini", format!("a = 4\n{}", creds(&pair)));
    let merge = client.commit("merge side");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(
        p.text.contains(&format!("commit {}", short(&merge))),
        "{}",
        p.text
    );
    assert!(
        p.text.contains("conf.ini:3  AWS access key ID"),
        "{}",
        p.text
    );
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

#[test]
fn hook_follows_the_quarantine_variable_whatever_the_directory_is_called() {
    // GitHub Enterprise names its quarantine `ghq_*`; build one by hand with a real pack and
    // run the hook as the server would, with the variable pointing at it.
    let server = Server::new();
    let client = client_with_base(&server);
    let base = client.rev_parse("main");
    let pair = FakeKeys::new(313).pair();
    client.write(
        "svc/.env",
        format!(
            "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\n",
            pair.key_id, pair.secret
        ),
    );
    let leak = client.commit("env file");
    let quarantine = server.path().join("objects").join("ghq_0f3a9c_custom");
    std::fs::create_dir_all(quarantine.join("pack")).unwrap();
    let mut pack = Command::new("git")
        .current_dir(client.path())
        .args(["pack-objects", "-q", "--revs"])
        .arg(quarantine.join("pack").join("pack"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = pack.stdin.take().unwrap();
        writeln!(stdin, "{leak}\n^{base}").unwrap();
    }
    assert!(pack.wait().unwrap().success());
    let line = format!("{base} {leak} refs/heads/main\n");
    let q = quarantine.to_string_lossy().into_owned();
    let (code, text) = hook_direct(&server, line.as_bytes(), &[("GIT_QUARANTINE_PATH", &q)]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(&format!("commit {}", short(&leak))), "{text}");
    assert!(
        text.contains("svc/.env:1  AWS access key ID  critical"),
        "{text}"
    );
    assert_no_secret(&text, &[&pair.key_id, &pair.secret]);
    // The same objects through GIT_OBJECT_DIRECTORY alone (no GIT_QUARANTINE_PATH).
    let (code, text) = hook_direct(&server, line.as_bytes(), &[("GIT_OBJECT_DIRECTORY", &q)]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(short(&leak)), "{text}");
}

#[test]
fn hook_shipped_script_runs_rolecall_and_fails_closed_without_it() {
    let server = Server::without_hook();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-receive");
    let hook = server.path().join("hooks/pre-receive");
    std::fs::copy(&script, &hook).unwrap();
    let client = TestRepo::new();
    client.write("a.txt", "a\n");
    client.commit("init");
    let bin = rolecall_bin();
    let bin = bin.to_str().unwrap();
    let push_with = |env: &[(&str, &str)]| {
        let out = crate::util::git_in(client.path(), &["push", &server.url(), "main"], env);
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.success(), text)
    };
    let (ok, text) = push_with(&[
        ("ROLECALL_BIN", "/nonexistent/rolecall"),
        ("PATH", "/usr/bin:/bin"),
    ]);
    assert!(!ok, "{text}");
    assert!(text.contains("rolecall binary is not installed"), "{text}");
    let (ok, text) = push_with(&[("ROLECALL_BIN", bin)]);
    assert!(ok, "{text}");
    assert!(
        text.contains("remote: rolecall: accepted 1 ref update(s)"),
        "{text}"
    );
    let pair = FakeKeys::new(314).pair();
    client.write("creds", creds(&pair));
    client.commit("creds");
    let (ok, text) = push_with(&[("ROLECALL_BIN", bin)]);
    assert!(!ok && text.contains("push rejected"), "{text}");
    assert_no_secret(&text, &[&pair.key_id, &pair.secret]);
}
