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
