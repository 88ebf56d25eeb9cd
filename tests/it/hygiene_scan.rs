//! Issue 9: `rolecall scan FILE` scans that file, `rolecall scan SUBDIR` inside a repository
//! scans that folder as it is on disk (untracked files included), not the whole history.

use crate::util::{run, TestRepo};
use rolecall::fake::FakeKeys;

fn creds(seed: u64) -> String {
    let pair = FakeKeys::new(seed).pair();
    format!(
        "aws_access_key_id = {}\naws_secret_access_key = {}\n",
        pair.key_id, pair.secret
    )
}

#[test]
fn issue_9_scan_a_file_or_a_subfolder() {
    let repo = TestRepo::new();
    repo.write("old/creds.ini", creds(9_501));
    repo.commit("old key");
    repo.remove("old/creds.ini");
    repo.write("app/README.md", "hi\n");
    repo.commit("remove");
    repo.write("app/new.ini", creds(9_502)); // untracked
    repo.write("lone/file.ini", creds(9_503));

    let (code, out, err) = run(repo.rolecall().args(["scan", "--no-progress", "app"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("new.ini"),
        "the untracked file is scanned: {out}"
    );
    assert!(!out.contains("creds.ini"), "not the history: {out}");

    let (code, out, err) = run(repo
        .rolecall()
        .args(["scan", "--no-progress", "lone/file.ini"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("file.ini") && !out.contains("new.ini"),
        "{out}"
    );

    // Outside any repository too.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.env");
    std::fs::write(&file, creds(9_504)).unwrap();
    let (code, out, err) = run(repo.rolecall().args(["scan", file.to_str().unwrap()]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("x.env"), "{out}");

    // The repository itself still means its history.
    let (code, out, _) = run(repo.rolecall().args(["scan", "--no-progress", "."]));
    assert_eq!(code, 1);
    assert!(out.contains("creds.ini"), "{out}");
}

/// Issue 9: after a rewrite (here a reset that drops the commit), the old commit's key is still
/// in `.git` until gc; the scan says so (`reachable: false`, the prune advice) instead of
/// reporting it like live history. A blob staged and then reset is unreachable too.
#[test]
fn issue_9_findings_no_ref_reaches_are_marked_unreachable() {
    let repo = TestRepo::new();
    repo.write("README.md", "hello\n");
    repo.commit("start");
    repo.write("live.ini", creds(9_511));
    repo.commit("live key");
    repo.write("gone.ini", creds(9_512));
    repo.commit("dropped key");
    repo.git(&["reset", "--hard", "HEAD~1"]);
    repo.write("staged.ini", creds(9_513));
    repo.git(&["add", "staged.ini"]);
    repo.git(&["reset", "-q"]);
    std::fs::remove_file(repo.path().join("staged.ini")).unwrap();

    let (code, out, err) =
        run(repo
            .rolecall()
            .args(["scan", "--no-progress", "--format", "json", "."]));
    assert_eq!(code, 1, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let reach = |name: &str| -> Vec<bool> {
        findings
            .iter()
            .filter(|f| {
                f["path"].as_str() == Some(name)
                    || (name.is_empty() && f["path"].is_null() && f["source"] == "blob")
            })
            .map(|f| f["reachable"].as_bool().unwrap())
            .collect()
    };
    assert_eq!(reach("live.ini"), vec![true, true], "{out}");
    assert_eq!(reach("gone.ini"), vec![false, false], "{out}");
    assert_eq!(
        reach(""),
        vec![false, false],
        "the staged-then-reset blob: {out}"
    );

    let (_, human, _) = run(repo.rolecall().args(["scan", "--no-progress", "."]));
    assert!(human.contains("no ref reaches this object"), "{human}");
    assert!(
        human.contains("git reflog expire --expire-unreachable=now --all && git gc --prune=now"),
        "{human}"
    );
    // After the advice is followed, only the live key is left.
    repo.git(&["reflog", "expire", "--expire-unreachable=now", "--all"]);
    repo.git(&["gc", "-q", "--prune=now"]);
    let (_, out, _) = run(repo
        .rolecall()
        .args(["scan", "--no-progress", "--format", "json", "."]));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2, "{out}");
}
