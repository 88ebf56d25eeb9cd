//! Issue 10: folding keys assembled in code reads whole blobs, so the pack/delta scan path (which
//! scans deltas by what they add) must find exactly what `--whole-blobs` finds on a history where
//! an assembled key is written, edited around, re-split, paired with a later secret and deleted.

use crate::pack_oracle::{both_ways, repository, Row};
use rolecall::fake::FakeKeys;

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
    for text in &texts {
        assert!(!text.contains(&key_id) && !text.contains(&secret));
    }
    repository(dir.path(), &texts);
    let (deltas, blobs) = both_ways(dir.path());
    assert_eq!(deltas, blobs);
    // Both assembled splits and the assembled secret were found, paired, at the first fragment.
    let assembled: Vec<&Row> = deltas.iter().filter(|r| r.9.is_some()).collect();
    assert!(
        assembled.iter().any(|r| r.9 == Some(3) && r.3 == 8),
        "{deltas:?}"
    );
    assert!(
        assembled.iter().any(|r| r.9 == Some(2) && r.7.is_some()),
        "{deltas:?}"
    );
}
