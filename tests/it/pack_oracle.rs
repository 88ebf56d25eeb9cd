//! Issue 12: scanning deltas by what they add must find exactly what scanning every blob whole
//! finds. Random edit histories with keys planted at random places (inside inserted text, inside
//! copied text, straddling an insert/copy seam, a pair split over lines and over two versions,
//! keys deleted later), committed and repacked by git with deep delta chains, are scanned both
//! ways and compared finding by finding.

use proptest::prelude::*;
use rolecall::detect::Detector;
use rolecall::fake::FakeKeys;
use rolecall::finding::Finding;
use rolecall::scan::{run_with_repo, ScanOptions};
use std::path::Path;
use std::process::Command;

/// One edit of the file's lines.
#[derive(Debug, Clone)]
enum Edit {
    /// New filler lines at a position.
    InsertLines(usize, usize),
    /// Lines removed at a position.
    DeleteLines(usize, usize),
    /// One line changed in the middle.
    Touch(usize),
    /// A key ID (and, when true, its secret right after it) on new lines.
    PlantPair(usize, bool),
    /// A key ID written inside an existing line, at a column.
    PlantInline(usize, usize),
    /// A secret near the last key planted (pairs over two versions).
    SecretNearLastKey(usize),
    /// Half a key ID now, the rest in the next version (the key straddles a seam).
    HalfKey(usize),
    /// The line holding the last key removed.
    DeleteLastKey,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (0usize..400, 1usize..6).prop_map(|(a, n)| Edit::InsertLines(a, n)),
        2 => (0usize..400, 1usize..6).prop_map(|(a, n)| Edit::DeleteLines(a, n)),
        4 => (0usize..400).prop_map(Edit::Touch),
        1 => (0usize..400, any::<bool>()).prop_map(|(a, b)| Edit::PlantPair(a, b)),
        1 => (0usize..400, 0usize..40).prop_map(|(a, c)| Edit::PlantInline(a, c)),
        1 => (0usize..4).prop_map(Edit::SecretNearLastKey),
        1 => (0usize..400).prop_map(Edit::HalfKey),
        1 => Just(Edit::DeleteLastKey),
    ]
}

/// Applies the edits one version at a time; returns every version's text.
fn versions(seed: u64, lines: usize, edits: &[Edit]) -> Vec<String> {
    let mut keys = FakeKeys::new(seed);
    let mut text: Vec<String> = (0..lines)
        .map(|i| format!("setting_{i} = compute(alpha, beta, {})", i * 7))
        .collect();
    let mut out = Vec::new();
    let mut last_key: Option<String> = None;
    let mut pending_half: Option<(usize, String)> = None;
    let mut counter = 0;
    for e in edits {
        counter += 1;
        if let Some((at, rest)) = pending_half.take() {
            if at < text.len() {
                text[at].push_str(&rest);
            }
        }
        let at = |a: usize, len: usize| if len == 0 { 0 } else { a % (len + 1) };
        match e {
            Edit::InsertLines(a, n) => {
                let i = at(*a, text.len());
                for k in 0..*n {
                    text.insert(i, format!("inserted_{counter}_{k} = value({k})"));
                }
            }
            Edit::DeleteLines(a, n) => {
                let i = at(*a, text.len()).min(text.len());
                let end = (i + n).min(text.len());
                text.drain(i..end);
            }
            Edit::Touch(a) if !text.is_empty() => {
                let i = a % text.len();
                text[i] = format!("{} # touched {counter}", text[i]);
            }
            Edit::Touch(_) => {}
            Edit::PlantPair(a, with_secret) => {
                let i = at(*a, text.len());
                let pair = keys.pair();
                if *with_secret {
                    text.insert(i, format!("aws_secret_access_key = {}", pair.secret));
                }
                text.insert(i, format!("aws_access_key_id = {}", pair.key_id));
                last_key = Some(pair.key_id);
            }
            Edit::PlantInline(a, col) if !text.is_empty() => {
                let i = a % text.len();
                let key = keys.key_id("AKIA");
                let c = (*col).min(text[i].len());
                text[i].insert_str(c, &format!(" key={key} "));
                last_key = Some(key);
            }
            Edit::PlantInline(..) => {}
            Edit::SecretNearLastKey(d) => {
                if let Some(key) = &last_key {
                    if let Some(i) = text.iter().position(|l| l.contains(key.as_str())) {
                        let j = (i + d).min(text.len());
                        text.insert(j, format!("aws_secret_access_key = {}", keys.secret()));
                    }
                }
            }
            Edit::HalfKey(a) => {
                let i = at(*a, text.len());
                let key = keys.key_id("AKIA");
                text.insert(i, format!("aws_access_key_id = {}", &key[..10]));
                pending_half = Some((i, key[10..].to_string()));
                last_key = Some(key);
            }
            Edit::DeleteLastKey => {
                if let Some(key) = &last_key {
                    text.retain(|l| !l.contains(key.as_str()));
                }
            }
        }
        out.push(text.join("\n") + "\n");
    }
    out
}

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

/// Commits each version (the file, and every third version a second file that copies it with a
/// header), then repacks as the issue asks: deep chains over a wide window.
pub(crate) fn repository(dir: &Path, versions: &[String]) {
    git(dir, &["init", "-q"]);
    for (i, text) in versions.iter().enumerate() {
        std::fs::write(dir.join("config.py"), text).unwrap();
        if i % 3 == 0 {
            std::fs::write(dir.join("copy.py"), format!("# copy {i}\n{text}")).unwrap();
        }
        git(dir, &["add", "."]);
        git(
            dir,
            &[
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                &format!("version {i}"),
            ],
        );
    }
    git(dir, &["repack", "-adfq", "--depth=50", "--window=50"]);
}

/// A finding field by field: commit, path, line, column, kind, fingerprint, severity, pair,
/// blob, fragments it was assembled from.
pub(crate) type Row = (
    Option<String>,
    Option<String>,
    u32,
    u32,
    String,
    String,
    String,
    Option<String>,
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
                f.kind.as_str().to_string(),
                f.fingerprint.clone(),
                format!("{:?}", f.severity),
                f.pair.clone(),
                f.blob.clone(),
                f.assembled,
            )
        })
        .collect();
    rows.sort();
    rows
}

/// The findings of a scan by deltas and of a scan of every blob whole (`--whole-blobs`).
pub(crate) fn both_ways(dir: &Path) -> (Vec<Row>, Vec<Row>) {
    let repo = git2::Repository::open(dir).unwrap();
    let detector = Detector::builtin();
    let by_deltas = run_with_repo(&repo, false, &detector, &ScanOptions::default()).unwrap();
    let whole = ScanOptions {
        whole_blobs: true,
        ..ScanOptions::default()
    };
    let by_blobs = run_with_repo(&repo, false, &detector, &whole).unwrap();
    assert!(by_deltas.skipped.is_empty(), "{:?}", by_deltas.skipped);
    (rows(&by_deltas.findings), rows(&by_blobs.findings))
}

proptest! {
    // Six histories per run (each is a real repository, repacked); PROPTEST_CASES=N for more.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(6),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn issue12_delta_scans_equal_whole_blob_scans(
        seed in any::<u64>(),
        lines in 40usize..300,
        edits in prop::collection::vec(edit(), 20..60),
    ) {
        let dir = tempfile::tempdir().unwrap();
        repository(dir.path(), &versions(seed, lines, &edits));
        let (deltas, whole) = both_ways(dir.path());
        prop_assert_eq!(deltas, whole);
    }
}

#[test]
fn issue12_a_chain_of_fifty_versions_with_keys_planted_and_deleted_is_scanned_alike() {
    let edits: Vec<Edit> = (0..55)
        .map(|i| match i % 11 {
            0 => Edit::PlantPair(i * 37, i % 2 == 0),
            3 => Edit::HalfKey(i * 13),
            5 => Edit::SecretNearLastKey(2),
            7 => Edit::PlantInline(i * 5, i),
            9 => Edit::DeleteLastKey,
            _ => Edit::Touch(i * 29),
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    repository(dir.path(), &versions(12, 200, &edits));
    let (deltas, whole) = both_ways(dir.path());
    assert!(whole.len() >= 10, "{} findings", whole.len());
    assert_eq!(deltas, whole);
}

#[test]
fn issue12_deltas_of_a_repacked_history_are_scanned_by_their_windows() {
    let mut edits: Vec<Edit> = (0..40).map(|i| Edit::Touch(i * 17)).collect();
    edits.insert(5, Edit::PlantPair(100, true));
    let dir = tempfile::tempdir().unwrap();
    repository(dir.path(), &versions(3, 300, &edits));
    let store = rolecall::git::store::ObjectStore::of_repository(&dir.path().join(".git")).unwrap();
    let outcome = rolecall::scan::objects::scan_objects(
        &store,
        rolecall::git::store::Selection::All,
        // Folding reads credential-named blobs whole (issue 10): windows are the plain detector's.
        &Detector::builtin().with_folding(false),
        &ScanOptions::default(),
    )
    .unwrap();
    assert!(
        outcome.deltas_by_windows >= 20,
        "{} deltas by windows",
        outcome.deltas_by_windows
    );
    let (deltas, whole) = both_ways(dir.path());
    assert_eq!(deltas, whole);
    // The pair is in every version from the sixth on (36 of config.py, 12 of copy.py).
    assert!(whole.len() >= 2 * 48, "{} findings", whole.len());
}

#[test]
fn issue12_hook_finds_a_key_added_inside_a_thin_pack_delta_at_its_line() {
    use crate::hook::{push, Server};
    use crate::util::TestRepo;
    let server = Server::new();
    let client = TestRepo::new();
    let body: String = (0..300)
        .map(|l| format!("setting_{l} = compute(alpha, beta, {l})\n"))
        .collect();
    for i in 0..120 {
        client.write(&format!("src/m{i}.py"), format!("# module {i}\n{body}"));
    }
    client.commit("120 modules");
    assert!(push(client.path(), &server.url(), &["main"]).accepted());
    // Every file gets a new line (120 deltas on blobs the server has, sent as a thin pack); one
    // of them gets a key pair in the middle.
    let pair = FakeKeys::new(1212).pair();
    for i in 0..120 {
        let mut text = format!("# module {i} v2\n{body}");
        if i == 77 {
            let at = text.find("setting_150 ").unwrap();
            text.insert_str(
                at,
                &format!(
                    "aws_access_key_id = {}\naws_secret_access_key = {}\n",
                    pair.key_id, pair.secret
                ),
            );
        }
        client.write(&format!("src/m{i}.py"), text);
    }
    client.commit("touch every module");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("src/m77.py:152"), "{}", p.text);
    crate::util::assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}
