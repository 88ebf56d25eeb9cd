//! Range scans (`--range BASE..HEAD`, `--since REV`) on real repositories, through the library and
//! the real binary, and the developer-side pre-push hook run by a real `git push`.

use crate::util::{assert_no_secret, git_in, rolecall_bin, run, TestRepo};
use rolecall::detect::Detector;
use rolecall::fake::FakeKeys;
use rolecall::finding::{Kind, Source};
use rolecall::scan::range::{resolve, scan_range, RangeSpec};
use rolecall::scan::{ScanOptions, ScanReport};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn range(repo: &TestRepo, spec: &str) -> ScanReport {
    let git = git2::Repository::open(repo.path()).unwrap();
    let spec = RangeSpec::parse(spec).unwrap();
    scan_range(&git, &spec, &Detector::builtin(), &ScanOptions::default()).unwrap()
}

fn key_line(key: &str) -> String {
    format!("AWS_ACCESS_KEY_ID = \"{key}\"\n")
}

/// The access-key findings as (redacted value, commit, path).
fn keys(report: &ScanReport) -> Vec<(String, String, Option<String>)> {
    report
        .findings
        .iter()
        .filter(|f| f.kind == Kind::AccessKeyId)
        .map(|f| {
            (
                f.redacted.clone(),
                f.commit.clone().unwrap_or_default(),
                f.path.clone(),
            )
        })
        .collect()
}

fn redact(key: &str) -> String {
    rolecall::detect::Detector::builtin()
        .scan(key_line(key).as_bytes())
        .matches[0]
        .value
        .redacted()
}

fn scan_json(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let mut cmd = crate::util::rolecall_cmd();
    cmd.current_dir(dir)
        .args(["scan", "--format", "json"])
        .args(args);
    let (code, out, err) = run(&mut cmd);
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, doc, err)
}

#[test]
fn range_sees_a_key_added_and_removed_inside_and_ignores_keys_before_base() {
    let repo = TestRepo::new();
    let mut g = FakeKeys::new(500);
    let (old, inside, msg_old, msg_new) = (
        g.key_id("AKIA"),
        g.key_id("AKIA"),
        g.key_id("AKIA"),
        g.key_id("ASIA"),
    );
    repo.write("old.py", key_line(&old));
    repo.commit(&format!("old work\n\nkey {msg_old}"));
    repo.remove("old.py");
    let base = repo.commit("remove the old key");
    repo.write("app/settings.py", key_line(&inside));
    let added = repo.commit("add settings");
    repo.remove("app/settings.py");
    repo.commit("oops, remove settings");
    let with_msg = repo.commit(&format!("debug\n\nused {msg_new}"));
    repo.write("README.md", "clean\n");
    repo.commit("docs");

    let report = range(&repo, &format!("{base}..HEAD"));
    assert_eq!(
        keys(&report),
        vec![
            (
                redact(&inside),
                added.clone(),
                Some("app/settings.py".into())
            ),
            (redact(&msg_new), with_msg.clone(), None),
        ],
        "{:#?}",
        report.findings
    );
    let msg = report.findings.iter().find(|f| f.path.is_none()).unwrap();
    assert_eq!(msg.source, Source::CommitMessage);
    assert_eq!(
        report.stats.messages, 4,
        "every commit of the range has its message scanned"
    );
    // The keys before BASE are in the history: a range from the first commit sees them.
    let wider = range(&repo, "HEAD");
    let wider_keys: Vec<String> = keys(&wider).into_iter().map(|k| k.0).collect();
    assert!(wider_keys.contains(&redact(&old)) && wider_keys.contains(&redact(&msg_old)));
    assert_eq!(keys(&wider).len(), 4, "{:#?}", wider.findings);
    assert_no_secret(&format!("{report:?}"), &[&inside, &msg_new]);
}

#[test]
fn every_commit_in_the_range_is_scanned_not_only_the_tip() {
    let repo = TestRepo::new();
    let mut g = FakeKeys::new(501);
    repo.write("README.md", "base\n");
    let base = repo.commit("base");
    let mut expected = Vec::new();
    for i in 0..3 {
        let key = g.key_id("AKIA");
        repo.write(&format!("svc{i}/config.py"), key_line(&key));
        let c = repo.commit(&format!("service {i}"));
        repo.remove(&format!("svc{i}/config.py"));
        repo.commit(&format!("undo service {i}"));
        expected.push((redact(&key), c, Some(format!("svc{i}/config.py"))));
    }
    // A key on a side branch merged inside the range.
    repo.git(&["checkout", "-q", "-b", "side", &base]);
    let side_key = g.key_id("AKIA");
    repo.write("side/keys.py", key_line(&side_key));
    let side = repo.commit("side work");
    repo.write("side/keys.py", "clean\n");
    repo.commit("side cleanup");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "side", "-m", "merge side"]);
    expected.push((redact(&side_key), side, Some("side/keys.py".into())));

    // The tip's tree holds no key: only a scan of every commit finds them.
    let tip = repo.git(&["ls-tree", "-r", "--name-only", "HEAD"]);
    assert_eq!(
        String::from_utf8_lossy(&tip.stdout),
        "README.md\nside/keys.py\n"
    );
    assert!(!repo.read("side/keys.py").contains("AKIA"));
    let report = range(&repo, &format!("{base}..main"));
    let mut got = keys(&report);
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "{:#?}", report.findings);
}

#[test]
fn range_commits_are_exactly_what_git_rev_list_lists() {
    let repo = TestRepo::new();
    repo.write("a", "1\n");
    let base = repo.commit("a");
    for i in 0..3 {
        repo.write("a", format!("{i}\n"));
        repo.commit(&format!("main {i}"));
    }
    repo.git(&["checkout", "-q", "-b", "topic", &base]);
    repo.write("b", "b\n");
    repo.commit("topic");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "topic", "-m", "merge"]);
    repo.write("c", "c\n");
    repo.commit("after");
    let git = git2::Repository::open(repo.path()).unwrap();
    for spec in [
        format!("{base}..HEAD"),
        "topic..main".into(),
        "main~2..main".into(),
    ] {
        let resolved = resolve(&git, &RangeSpec::parse(&spec).unwrap()).unwrap();
        let ours: BTreeSet<String> = resolved.commits.iter().map(|c| c.to_string()).collect();
        let out = repo.git(&["rev-list", &spec]);
        let theirs: BTreeSet<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(ours, theirs, "{spec}");
        assert!(!ours.is_empty());
    }
}

#[test]
fn annotated_tags_pointing_into_the_range_are_scanned() {
    let repo = TestRepo::new();
    let mut g = FakeKeys::new(502);
    let (before, inside) = (g.key_id("AKIA"), g.key_id("AKIA"));
    repo.write("a", "a\n");
    repo.commit("a");
    repo.git(&["tag", "-a", "v0", "-m", &format!("old release\n\n{before}")]);
    let base = repo.commit("b");
    let c = repo.commit("c");
    repo.git(&["tag", "-a", "v1", "-m", &format!("release\n\nkey {inside}")]);
    let report = range(&repo, &format!("{base}..HEAD"));
    assert_eq!(
        keys(&report),
        vec![(redact(&inside), c, None)],
        "{:#?}",
        report.findings
    );
    assert_eq!(report.findings[0].source, Source::TagMessage);
}

#[test]
fn since_and_range_through_the_binary_with_exit_codes() {
    let repo = TestRepo::new();
    let pair = FakeKeys::new(503).pair();
    repo.write(
        "deploy/creds",
        format!(
            "aws_access_key_id = {}\naws_secret_access_key = {}\n",
            pair.key_id, pair.secret
        ),
    );
    repo.commit("leak");
    repo.remove("deploy/creds");
    let base = repo.commit("clean");
    repo.write("x.txt", "x\n");
    repo.commit("more");
    let (code, doc, _) = scan_json(repo.path(), &["--since", &base]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    // A single revision: every commit reachable from it, like `git rev-list HEAD`.
    let (code, doc, _) = scan_json(repo.path(), &["--range", "HEAD"]);
    assert_eq!(code, 1, "{doc}");
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    assert!(findings
        .iter()
        .all(|f| f["severity"] == "critical" && f["path"] == "deploy/creds"));
    assert_no_secret(&doc.to_string(), &[&pair.key_id, &pair.secret]);
    // Exactly one of --range/--since/--staged/--stdin.
    let mut cmd = repo.rolecall();
    cmd.args(["scan", "--since", "HEAD~1", "--staged"]);
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
    let mut cmd = repo.rolecall();
    cmd.args(["scan", "--range", "nosuchbranch..HEAD"]);
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 2);
    assert!(
        err.contains("nosuchbranch") && err.contains("not in this repository"),
        "{err}"
    );
}

fn shallow_fixture() -> (TestRepo, tempfile::TempDir, String) {
    let origin = TestRepo::new();
    origin.write("a", "0\n");
    let first = origin.commit("first");
    for i in 1..5 {
        origin.write("a", format!("{i}\n"));
        origin.commit(&format!("c{i}"));
    }
    origin.git(&["checkout", "-q", "-b", "feature", &first]);
    origin.write("f", "feature\n");
    origin.commit("feature");
    origin.git(&["checkout", "-q", "main"]);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    let out = git_in(
        clone.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            &url,
            "c",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (origin, clone, first)
}

#[test]
fn shallow_clone_without_the_base_is_an_error_that_says_how_to_fetch_deeper() {
    let (_origin, clone, first) = shallow_fixture();
    let dir = clone.path().join("c");
    for args in [
        vec![
            "scan".to_string(),
            "--range".into(),
            format!("{first}..HEAD"),
        ],
        vec!["scan".to_string(), "--since".into(), first.clone()],
        // Both ends are in the clone, but the history joining them is not.
        vec![
            "scan".to_string(),
            "--range".into(),
            "origin/main..origin/feature".into(),
        ],
    ] {
        let mut cmd = crate::util::rolecall_cmd();
        cmd.current_dir(&dir).args(&args);
        let (code, out, err) = run(&mut cmd);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("shallow"), "{err}");
        assert!(
            err.contains("git fetch --deepen=") && err.contains("--unshallow"),
            "{err}"
        );
        assert!(err.contains("fetch-depth: 0"), "{err}");
        assert!(
            out.is_empty(),
            "no report for a scan that did not happen: {out}"
        );
    }
    // After fetching the history, the same range scans.
    let out = git_in(&dir, &["fetch", "-q", "--unshallow", "origin"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, doc, err) = scan_json(&dir, &["--range", "origin/main..origin/feature"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["stats"]["messages"], 1);
}

fn install_hook(repo_dir: &Path, name: &str) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("hooks")
        .join(name);
    let dst = repo_dir.join(".git").join("hooks").join(name);
    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
    std::fs::copy(&src, &dst).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn pre_push_hook_blocks_a_push_whose_new_commits_hold_a_key() {
    let remote = tempfile::tempdir().unwrap();
    let out = git_in(remote.path(), &["init", "-q", "--bare", "-b", "main"], &[]);
    assert!(out.status.success());
    let repo = TestRepo::new();
    install_hook(repo.path(), "pre-push");
    let url = remote.path().display().to_string();
    repo.git(&["remote", "add", "origin", &url]);
    let bin = rolecall_bin();
    let env = [("ROLECALL", bin.to_str().unwrap())];
    let push = |args: &[&str]| {
        let mut all = vec!["push", "-q", "origin"];
        all.extend_from_slice(args);
        repo.git_env(&all, &env)
    };
    // A brand-new history with nothing on the remote: scanned whole.
    repo.write("README.md", "hello\n");
    repo.commit("init");
    let out = push(&["main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A key added and removed again in unpushed commits: blocked, though the tip is clean.
    let key = FakeKeys::new(504).key_id("AKIA");
    repo.write("cfg.py", key_line(&key));
    repo.commit("add cfg");
    repo.remove("cfg.py");
    repo.commit("remove cfg");
    let out = push(&["main"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "the push should be rejected: {err}");
    assert!(err.contains("cfg.py") && err.contains("rolecall"), "{err}");
    assert_no_secret(&err, &[&key]);
    let remote_main = git_in(remote.path(), &["rev-parse", "main"], &[]);
    assert_ne!(
        String::from_utf8_lossy(&remote_main.stdout).trim(),
        repo.rev_parse("HEAD"),
        "the remote did not move"
    );

    // Rewrite the unpushed history without the key: the push goes through.
    repo.git(&["reset", "-q", "--hard", "HEAD~2"]);
    repo.write("docs.md", "docs\n");
    repo.commit("docs");
    let out = push(&["main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A new branch is scanned against what the remote already has: the old key-free history is
    // not rescanned and a key on the branch is caught.
    repo.git(&["checkout", "-q", "-b", "topic"]);
    let key2 = FakeKeys::new(505).key_id("AKIA");
    repo.write("topic.py", key_line(&key2));
    repo.commit("topic");
    let out = push(&["topic"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success() && err.contains("topic.py"), "{err}");
    let out = git_in(
        remote.path(),
        &["rev-parse", "--verify", "-q", "refs/heads/topic"],
        &[],
    );
    assert!(!out.status.success(), "the branch was not created");
    // Deleting a branch needs no scan.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-q", "-D", "topic"]);
    repo.git(&["checkout", "-q", "-b", "topic2"]);
    assert!(push(&["topic2"]).status.success());
    assert!(push(&[":topic2"]).status.success());
}
