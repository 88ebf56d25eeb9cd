//! Issue 10: folding keys assembled in code reads whole blobs, so the pack/delta scan path (which
//! scans deltas by what they add) must find exactly what `--whole-blobs` finds on a history where
//! an assembled key is written, edited around, re-split, paired with a later secret and deleted.

use rolecall::detect::Detector;
use rolecall::fake::FakeKeys;
use rolecall::finding::Finding;
use rolecall::scan::{run_with_repo, ScanOptions};
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

type Row = (
    Option<String>,
    Option<String>,
    u32,
    u32,
    String,
    String,
    Option<String>,
    Option<u32>,
);

fn rows(findings: &[Finding]) -> Vec<Row> {
    let mut rows: Vec<Row> = findings
        .iter()
        .map(|f| {
            (
                f.commit.clone(),
                f.path.clone(),
                f.line,
                f.column,
                f.fingerprint.clone(),
                format!("{:?}", f.severity),
                f.pair.clone(),
                f.assembled,
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Forty versions of a Python module: filler lines edited each version, an assembled key ID
/// added at version 5, split differently at 15, its assembled secret added at 20 (pairs), the
/// key moved at 28, all removed at 35.
fn versions() -> (Vec<String>, String, String) {
    let p = FakeKeys::new(3001).pair();
    let mut out = Vec::new();
    for v in 0..40usize {
        let mut lines: Vec<String> = (0..120)
            .map(|i| {
                format!(
                    "setting_{i} = compute(alpha, beta, {})",
                    i * 7 + (i == v * 3) as usize
                )
            })
            .collect();
        lines.insert(0, "import boto3".to_string());
        let id = if v < 15 {
            format!(
                "KEY = \"{}\" + \"{}\" + \"{}\"",
                &p.key_id[..4],
                &p.key_id[4..12],
                &p.key_id[12..]
            )
        } else {
            format!("KEY = (\"{}\"\n    \"{}\")", &p.key_id[..9], &p.key_id[9..])
        };
        let at = if v < 28 { 60 } else { 10 };
        if (5..35).contains(&v) {
            lines.insert(at, id);
        }
        if (20..35).contains(&v) {
            lines.insert(
                at + 1,
                format!("SECRET = \"{}\" \"{}\"", &p.secret[..13], &p.secret[13..]),
            );
        }
        out.push(lines.join("\n") + "\n");
    }
    (out, p.key_id, p.secret)
}

#[test]
fn issue_10_assembled_keys_edited_across_commits_delta_scan_equals_whole_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let (texts, key_id, secret) = versions();
    git(dir.path(), &["init", "-q"]);
    for (i, text) in texts.iter().enumerate() {
        assert!(!text.contains(&key_id) && !text.contains(&secret));
        std::fs::write(dir.path().join("config.py"), text).unwrap();
        git(dir.path(), &["add", "."]);
        git(
            dir.path(),
            &[
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                &format!("version {i}"),
            ],
        );
    }
    git(
        dir.path(),
        &["repack", "-adfq", "--depth=50", "--window=50"],
    );
    let repo = git2::Repository::open(dir.path()).unwrap();
    let detector = Detector::builtin();
    let by_deltas = run_with_repo(&repo, false, &detector, &ScanOptions::default()).unwrap();
    let whole = ScanOptions {
        whole_blobs: true,
        ..ScanOptions::default()
    };
    let by_blobs = run_with_repo(&repo, false, &detector, &whole).unwrap();
    let (deltas, blobs) = (rows(&by_deltas.findings), rows(&by_blobs.findings));
    assert_eq!(deltas, blobs);
    // Both assembled splits and the assembled secret were found, paired, at the first fragment.
    let assembled: Vec<&Row> = deltas.iter().filter(|r| r.7.is_some()).collect();
    assert!(
        assembled.iter().any(|r| r.7 == Some(3) && r.3 == 8),
        "{deltas:?}"
    );
    assert!(
        assembled.iter().any(|r| r.7 == Some(2) && r.6.is_some()),
        "{deltas:?}"
    );
}
