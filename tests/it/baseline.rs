//! Baselines in CI, end to end through the real binary on real repositories: `--write-baseline`
//! accepts what is there, later scans fail only on new findings, and the suppression survives a
//! real `git rebase` and a real `git merge --squash` (new commit ids, same fingerprints).

use crate::util::{assert_no_secret, run, TestRepo};
use rolecall::fake::FakeKeys;
use serde_json::Value;
use std::path::Path;

fn key_line(key: &str) -> String {
    format!("AWS_ACCESS_KEY_ID = \"{key}\"\n")
}

fn scan(repo: &TestRepo, args: &[&str]) -> (i32, Value) {
    let mut cmd = repo.rolecall();
    cmd.args(["scan", "--format", "json"]).args(args);
    let (code, out, err) = run(&mut cmd);
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, doc)
}

/// The paths of the reported findings, sorted.
fn paths(doc: &Value) -> Vec<String> {
    let mut p: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap_or("<message>").to_string())
        .collect();
    p.sort();
    p
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn baseline_accepts_old_findings_and_catches_new_ones() {
    let repo = TestRepo::new();
    let mut g = FakeKeys::new(700);
    let pair = g.pair();
    let (old2, new) = (g.key_id("AKIA"), g.key_id("AKIA"));
    repo.write(
        "legacy/creds.ini",
        format!(
            "aws_access_key_id = {}\naws_secret_access_key = {}\n",
            pair.key_id, pair.secret
        ),
    );
    repo.write("legacy/app.py", key_line(&old2));
    repo.commit("legacy");
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("rolecall-baseline.json");
    let b = path_str(&baseline);

    let (code, doc) = scan(&repo, &["--write-baseline", b]);
    assert_eq!(
        code, 1,
        "the run that writes the baseline still reports: {doc}"
    );
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert_no_secret(&text, &[&pair.key_id, &pair.secret, &old2]);
    let parsed: Value = serde_json::from_str(&text).unwrap();
    let fps: Vec<&str> = parsed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps.len(), 3);
    assert!(fps.windows(2).all(|w| w[0] < w[1]), "sorted: {text}");
    assert!(
        !text.contains("line") && !text.contains(&repo.rev_parse("HEAD")),
        "{text}"
    );

    // Stable: history moves on (lines shift, commits are added), the file is byte-identical.
    repo.write(
        "legacy/app.py",
        format!("# moved down\n\n{}", key_line(&old2)),
    );
    repo.commit("shift lines");
    let again = dir.path().join("again.json");
    scan(&repo, &["--write-baseline", path_str(&again)]);
    assert_eq!(std::fs::read_to_string(&again).unwrap(), text);

    let (code, doc) = scan(&repo, &["--baseline", b]);
    assert_eq!(code, 0, "{doc}");
    // Three accepted values; the moved one is in two blobs (before and after the shift).
    assert_eq!(doc["stats"]["suppressed"], 4);

    repo.write("svc/new.py", key_line(&new));
    repo.commit("new service");
    let (code, doc) = scan(&repo, &["--baseline", b]);
    assert_eq!(code, 1);
    assert_eq!(paths(&doc), vec!["svc/new.py"]);
    // The same holds for a CI range scan of the latest commit.
    let (code, doc) = scan(&repo, &["--baseline", b, "--since", "HEAD~1"]);
    assert_eq!((code, paths(&doc)), (1, vec!["svc/new.py".to_string()]));
}

/// main: init; feature (from init): a key committed, then more work. main moves on.
fn feature_fixture(seed: u64) -> (TestRepo, String) {
    let repo = TestRepo::new();
    let key = FakeKeys::new(seed).key_id("AKIA");
    repo.write("README.md", "hello\n");
    repo.commit("init");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("feature/settings.py", key_line(&key));
    repo.commit("feature settings");
    repo.write("feature/more.py", "x = 1\n");
    repo.commit("feature more");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", "main moves on\n");
    repo.commit("main work");
    (repo, key)
}

#[test]
fn baseline_survives_a_real_rebase() {
    let (repo, key) = feature_fixture(701);
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("baseline.json");
    // The baseline is written from the feature branch as it was reviewed.
    let (code, _) = scan(
        &repo,
        &["--range", "main..feature", "--write-baseline", path_str(&b)],
    );
    assert_eq!(code, 1);
    let before = repo.rev_parse("feature");
    repo.git(&["checkout", "-q", "feature"]);
    let out = repo.git_env(
        &["rebase", "-q", "main"],
        &[("GIT_COMMITTER_DATE", "1800000000 +0000")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(
        repo.rev_parse("feature"),
        before,
        "the rebase rewrote the commits"
    );

    let (code, doc) = scan(
        &repo,
        &["--range", "main..feature", "--baseline", path_str(&b)],
    );
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["stats"]["suppressed"], 1);
    // Without the baseline the rebased key is still there, at its new commit.
    let (code, doc) = scan(&repo, &["--range", "main..feature"]);
    assert_eq!(code, 1);
    assert_ne!(doc["findings"][0]["commit"].as_str(), Some(before.as_str()));

    // A new key after the rebase is caught.
    let new = FakeKeys::new(702).key_id("AKIA");
    repo.write("feature/late.py", key_line(&new));
    repo.commit("late");
    let (code, doc) = scan(
        &repo,
        &["--range", "main..feature", "--baseline", path_str(&b)],
    );
    assert_eq!(
        (code, paths(&doc)),
        (1, vec!["feature/late.py".to_string()])
    );
    assert_no_secret(&doc.to_string(), &[&key, &new]);
}

#[test]
fn baseline_survives_a_real_squash_merge() {
    let (repo, key) = feature_fixture(703);
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("baseline.json");
    let (code, _) = scan(
        &repo,
        &["--range", "main..feature", "--write-baseline", path_str(&b)],
    );
    assert_eq!(code, 1);
    let main_before = repo.rev_parse("main");
    repo.git(&["merge", "-q", "--squash", "feature"]);
    let squash = repo.commit("Squashed feature");
    let (code, doc) = scan(
        &repo,
        &["--since", &main_before, "--baseline", path_str(&b)],
    );
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["stats"]["suppressed"], 1);
    let (code, doc) = scan(&repo, &["--since", &main_before]);
    assert_eq!(code, 1);
    assert_eq!(doc["findings"][0]["commit"].as_str(), Some(squash.as_str()));

    // A squash that brings a new key along with the accepted one fails on the new one only.
    repo.git(&["checkout", "-q", "feature"]);
    let new = FakeKeys::new(704).key_id("AKIA");
    repo.write("feature/extra.py", key_line(&new));
    repo.commit("extra");
    repo.git(&["checkout", "-q", "-b", "release", &main_before]);
    repo.git(&["merge", "-q", "--squash", "feature"]);
    repo.commit("Squashed feature again");
    let (code, doc) = scan(
        &repo,
        &["--since", &main_before, "--baseline", path_str(&b)],
    );
    assert_eq!(
        (code, paths(&doc)),
        (1, vec!["feature/extra.py".to_string()])
    );
    assert_no_secret(&doc.to_string(), &[&key, &new]);
}
