//! `--staged` (the index against HEAD) and `--stdin`, through the library and the real binary, and
//! the developer-side pre-commit hook run by real `git commit`s.

use crate::util::{assert_no_secret, rolecall_bin, run, TestRepo};
use rolecall::detect::Detector;
use rolecall::fake::FakeKeys;
use rolecall::finding::Source;
use rolecall::scan::staged::scan_staged;
use rolecall::scan::{ScanOptions, ScanReport};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn staged(repo: &TestRepo) -> ScanReport {
    let git = git2::Repository::open(repo.path()).unwrap();
    scan_staged(&git, &Detector::builtin(), &ScanOptions::default()).unwrap()
}

fn key_line(key: &str) -> String {
    format!("AWS_ACCESS_KEY_ID = \"{key}\"\n")
}

fn paths(report: &ScanReport) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|f| f.path.clone().unwrap_or_default())
        .collect()
}

#[test]
fn staged_sees_only_what_the_next_commit_records() {
    let repo = TestRepo::new();
    let mut g = FakeKeys::new(600);
    let (committed, unstaged, staged_key) = (g.key_id("AKIA"), g.key_id("AKIA"), g.key_id("AKIA"));
    repo.write("old.py", key_line(&committed));
    repo.write("app.py", "print('hi')\n");
    repo.commit("init");
    assert!(
        staged(&repo).findings.is_empty(),
        "a key already in HEAD is not staged"
    );

    // Work-tree edits that are not staged, tracked or untracked, are not looked at.
    repo.write("app.py", key_line(&unstaged));
    repo.write("notes.txt", key_line(&unstaged));
    let report = staged(&repo);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.stats.blobs, 0);

    // A staged key is, with its path, even when the work tree changed again afterwards.
    repo.write("conf/settings.py", key_line(&staged_key));
    repo.git(&["add", "conf/settings.py"]);
    repo.write("conf/settings.py", "clean again\n");
    let report = staged(&repo);
    assert_eq!(
        paths(&report),
        vec!["conf/settings.py"],
        "{:#?}",
        report.findings
    );
    let f = &report.findings[0];
    assert_eq!(
        (f.source, f.line, f.commit.as_deref()),
        (Source::Worktree, 1, None)
    );
    assert!(f.blob.is_some());
    // The same blob staged at two paths is scanned once and reported at both.
    repo.write("copy.py", key_line(&staged_key));
    repo.git(&["add", "copy.py"]);
    let report = staged(&repo);
    assert_eq!(paths(&report), vec!["conf/settings.py", "copy.py"]);
    assert_eq!(report.stats.blobs, 1);
    assert_no_secret(&format!("{report:?}"), &[&staged_key, &unstaged]);
}

#[test]
fn staged_before_the_first_commit_and_through_the_binary() {
    let repo = TestRepo::new();
    let pair = FakeKeys::new(601).pair();
    repo.write(
        "deploy/creds.ini",
        format!(
            "aws_access_key_id = {}\naws_secret_access_key = {}\n",
            pair.key_id, pair.secret
        ),
    );
    repo.write(
        "unstaged.ini",
        format!(
            "aws_access_key_id = {}\n",
            FakeKeys::new(602).key_id("AKIA")
        ),
    );
    repo.git(&["add", "deploy/creds.ini"]);
    let mut cmd = repo.rolecall();
    cmd.args(["scan", "--staged", "--format", "json"]);
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{doc}");
    for f in findings {
        assert_eq!(f["path"], "deploy/creds.ini");
        assert_eq!(f["source"], "worktree");
        assert_eq!(f["severity"], "critical");
    }
    assert_no_secret(&out, &[&pair.key_id, &pair.secret]);
    repo.git(&["rm", "-q", "--cached", "deploy/creds.ini"]);
    let (code, _, err) = run(repo.rolecall().args(["scan", "--staged"]));
    assert_eq!(code, 0, "{err}");
}

fn stdin_scan(args: &[&str], input: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(rolecall_bin())
        .args(["scan", "--stdin"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn stdin_is_scanned_under_its_name() {
    let token = FakeKeys::new(603).session_token();
    let text = format!("export AWS_SESSION_TOKEN=\"{token}\"\n");
    let (code, out, err) = stdin_scan(
        &["--stdin-name", "ci/env.sh", "--format", "jsonl"],
        text.as_bytes(),
    );
    assert_eq!(code, 1, "{err}");
    let f: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        (f["path"].as_str(), f["kind"].as_str()),
        (Some("ci/env.sh"), Some("session_token"))
    );
    assert_eq!(f["source"], "file");
    assert_no_secret(&out, &[&token]);
    let (code, out, _) = stdin_scan(&[], b"nothing to see\n");
    assert_eq!(code, 0, "{out}");
    // --stdin-name needs --stdin.
    let (code, _, err) = run(crate::util::rolecall_cmd().args(["scan", "--stdin-name", "x"]));
    assert_eq!(code, 2);
    assert!(err.contains("--stdin"), "{err}");
}

fn install_pre_commit(repo: &TestRepo) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-commit");
    let dst = repo.path().join(".git/hooks/pre-commit");
    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
    std::fs::copy(src, &dst).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn pre_commit_hook_rejects_a_commit_with_a_key_and_passes_a_clean_one() {
    let repo = TestRepo::new();
    install_pre_commit(&repo);
    let bin = rolecall_bin();
    let env = [("ROLECALL", bin.to_str().unwrap())];
    let commit = |args: &[&str]| {
        let mut all = vec!["commit", "-q"];
        all.extend_from_slice(args);
        repo.git_env(&all, &env)
    };
    repo.write("README.md", "hello\n");
    repo.git(&["add", "README.md"]);
    let out = commit(&["-m", "clean"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = repo.rev_parse("HEAD");

    let key = FakeKeys::new(604).key_id("AKIA");
    repo.write("src/aws.py", key_line(&key));
    repo.git(&["add", "src/aws.py"]);
    let out = commit(&["-m", "add aws"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "the commit should be refused");
    assert!(
        err.contains("src/aws.py") && err.contains("refused"),
        "{err}"
    );
    assert_no_secret(&err, &[&key]);
    assert_eq!(repo.rev_parse("HEAD"), head, "no commit was made");

    // `git commit -a` stages into a temporary index: the hook must read that one.
    repo.git(&["rm", "-q", "--cached", "src/aws.py"]);
    repo.remove("src/aws.py");
    repo.write("README.md", format!("hello\n{}", key_line(&key)));
    let out = commit(&["-a", "-m", "readme"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success() && err.contains("README.md"), "{err}");
    assert_eq!(repo.rev_parse("HEAD"), head);

    // An unstaged key does not block a commit of clean staged files.
    repo.write("docs.md", "docs\n");
    repo.git(&["add", "docs.md"]);
    let out = commit(&["-m", "docs"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(repo.rev_parse("HEAD"), head);

    // Without a rolecall binary the hook fails closed and says why.
    repo.write("more.md", "more\n");
    repo.git(&["add", "more.md"]);
    let out = repo.git_env(
        &["commit", "-q", "-m", "more"],
        &[("ROLECALL", "/nonexistent/rolecall")],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
}

/// The staged changes are the next commit: a key ID staged in one file and its secret in another
/// pair into a critical credential, as the history scan pairs them within a commit.
#[test]
fn staged_key_and_secret_in_different_files_pair() {
    use rolecall::finding::{Kind, Severity};
    let repo = TestRepo::new();
    repo.write("README.md", "hi\n");
    repo.commit("init");
    let pair = FakeKeys::new(808).pair();
    repo.write("app/config.py", key_line(&pair.key_id));
    repo.write(
        "app/.env",
        format!("AWS_SECRET_ACCESS_KEY={}\n", pair.secret),
    );
    repo.git(&["add", "-A"]);
    let report = staged(&repo);
    assert_eq!(report.findings.len(), 2, "{:#?}", report.findings);
    assert!(report
        .findings
        .iter()
        .all(|f| f.severity == Severity::Critical && f.pair.is_some()));
    let key = report
        .findings
        .iter()
        .find(|f| f.kind == Kind::AccessKeyId)
        .unwrap();
    let secret = report
        .findings
        .iter()
        .find(|f| f.kind == Kind::SecretAccessKey)
        .unwrap();
    assert_eq!(key.pair.as_deref(), Some(secret.fingerprint.as_str()));
}
