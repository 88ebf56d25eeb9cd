//! Full-history scans through the library API on real repositories built with the real `git`.

use crate::util::{git_in, TestRepo};
use rolecall::detect::Detector;
use rolecall::fake::FakeKeys;
use rolecall::finding::{Finding, Kind, Severity, Source};
use rolecall::scan::{run_with_repo, ScanOptions, ScanReport};

fn scan(repo: &TestRepo) -> ScanReport {
    let git = git2::Repository::open(repo.path()).unwrap();
    run_with_repo(&git, false, &Detector::builtin(), &ScanOptions::default()).unwrap()
}

fn creds_file(key: &str, secret: &str) -> String {
    format!("[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\nregion = eu-west-1\n")
}

fn by_kind(report: &ScanReport, kind: Kind) -> Vec<&Finding> {
    report.findings.iter().filter(|f| f.kind == kind).collect()
}

#[test]
fn key_added_then_deleted_is_found_and_attributed() {
    let repo = TestRepo::new();
    let pair = FakeKeys::new(100).pair();
    repo.write("README.md", "hello\n");
    repo.commit("init");
    repo.write("deploy/credentials", creds_file(&pair.key_id, &pair.secret));
    let leak = repo.commit("add deploy credentials");
    repo.remove("deploy/credentials");
    repo.commit("remove credentials");
    let report = scan(&repo);
    assert_eq!(report.findings.len(), 2, "{:#?}", report.findings);
    let key = by_kind(&report, Kind::AccessKeyId)[0];
    assert_eq!(key.commit.as_deref(), Some(leak.as_str()));
    assert_eq!(key.path.as_deref(), Some("deploy/credentials"));
    assert_eq!((key.line, key.column), (2, 21));
    assert_eq!(key.severity, Severity::Critical);
    assert_eq!(
        key.author.as_deref(),
        Some("Dana Developer <dana@example.com>")
    );
    assert_eq!(key.account_id.as_deref(), Some("210987654321"));
    assert_eq!(key.source, Source::Blob);
    let secret = by_kind(&report, Kind::SecretAccessKey)[0];
    assert_eq!(secret.pair.as_deref(), Some(key.fingerprint.as_str()));
    assert!(!format!("{report:?}").contains(&pair.secret));
}

#[test]
fn key_only_on_an_unmerged_branch() {
    let repo = TestRepo::new();
    let key = FakeKeys::new(101).key_id("AKIA");
    repo.write("a.txt", "a\n");
    repo.commit("init");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("settings.py", format!("AWS_ACCESS_KEY_ID = \"{key}\"\n"));
    let c = repo.commit("wip");
    repo.git(&["checkout", "-q", "main"]);
    let report = scan(&repo);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].commit.as_deref(), Some(c.as_str()));
    assert_eq!(report.findings[0].severity, Severity::Medium);
}

#[test]
fn key_only_in_a_merge_resolution() {
    let repo = TestRepo::new();
    let key = FakeKeys::new(102).key_id("AKIA");
    repo.write("conf.ini", "a = 1\n");
    repo.commit("init");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("conf.ini", "a = 2\n");
    repo.commit("side");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("conf.ini", "a = 3\n");
    repo.commit("main");
    let out = repo.git_env(&["merge", "-q", "side", "-m", "merge"], &[]);
    assert!(!out.status.success(), "the merge should conflict");
    repo.write("conf.ini", format!("a = 4\naws_access_key_id = {key}\n"));
    let merge = repo.commit("merge side");
    assert_eq!(repo.rev_parse("HEAD^2").len(), 40, "HEAD is a merge commit");
    let report = scan(&repo);
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    assert_eq!(report.findings[0].commit.as_deref(), Some(merge.as_str()));
}

#[test]
fn keys_in_commit_and_tag_messages() {
    let repo = TestRepo::new();
    let mut g = FakeKeys::new(103);
    let (k1, k2) = (g.key_id("AKIA"), g.key_id("ASIA"));
    repo.write("a.txt", "a\n");
    let c = repo.commit(&format!("debugging\n\nused key {k1} for the test"));
    repo.git(&["tag", "-a", "v1", "-m", &format!("release\n\nkey {k2}")]);
    let report = scan(&repo);
    let msg = report
        .findings
        .iter()
        .find(|f| f.source == Source::CommitMessage)
        .unwrap();
    assert_eq!(msg.commit.as_deref(), Some(c.as_str()));
    assert_eq!(msg.path, None);
    assert_eq!(msg.line, 3);
    let tag = report
        .findings
        .iter()
        .find(|f| f.source == Source::TagMessage)
        .unwrap();
    assert_eq!(tag.commit.as_deref(), Some(c.as_str()));
    assert_eq!(tag.key_type.as_deref(), Some("temporary access key (STS)"));
    assert_eq!(report.stats.messages, 2);
}

#[test]
fn renamed_file_is_attributed_to_the_commit_that_added_the_key() {
    let repo = TestRepo::new();
    let pair = FakeKeys::new(104).pair();
    repo.write("old/creds.ini", creds_file(&pair.key_id, &pair.secret));
    let added = repo.commit("add");
    std::fs::create_dir_all(repo.path().join("new")).unwrap();
    repo.git(&["mv", "old/creds.ini", "new/creds.ini"]);
    repo.commit("rename");
    let report = scan(&repo);
    let paths: Vec<(&str, &str)> = report
        .findings
        .iter()
        .filter(|f| f.kind == Kind::AccessKeyId)
        .map(|f| (f.path.as_deref().unwrap(), f.commit.as_deref().unwrap()))
        .collect();
    // The same blob appears at two paths: each path is attributed to where it first appeared,
    // and the earliest is the commit that added the key.
    assert_eq!(paths[0], ("old/creds.ini", added.as_str()));
    assert!(paths.iter().any(|(p, _)| *p == "new/creds.ini"));
}

#[test]
fn each_unique_blob_is_scanned_once() {
    let repo = TestRepo::new();
    let key = FakeKeys::new(105).key_id("AKIA");
    for i in 0..5 {
        repo.write(&format!("copy{i}.txt"), format!("k = {key}\n"));
    }
    repo.commit("five copies of one blob");
    let report = scan(&repo);
    assert_eq!(report.stats.blobs, 1, "one unique blob");
    assert_eq!(report.findings.len(), 5, "reported at each path");
}

#[test]
fn encodings_in_history() {
    let repo = TestRepo::new();
    let mut g = FakeKeys::new(106);
    let ps = g.pair();
    let text = format!(
        "Set-AWSCredential -AccessKey {} -SecretKey {}\r\n",
        ps.key_id, ps.secret
    );
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    repo.write("userdata.ps1", utf16);
    let k8s = g.pair();
    let b64 = |s: &str| rolecall::detect::text::base64_encode(s.as_bytes());
    repo.write(
        "k8s/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\ndata:\n  AWS_ACCESS_KEY_ID: {}\n  AWS_SECRET_ACCESS_KEY: {}\n",
            b64(&k8s.key_id),
            b64(&k8s.secret)
        ),
    );
    repo.commit("encoded");
    let report = scan(&repo);
    let at = |p: &str| {
        report
            .findings
            .iter()
            .filter(|f| f.path.as_deref() == Some(p))
            .count()
    };
    assert_eq!(at("userdata.ps1"), 2);
    assert_eq!(at("k8s/secret.yaml"), 2);
    assert!(report
        .findings
        .iter()
        .all(|f| f.severity == Severity::Critical));
}

#[test]
fn clean_history_has_no_findings() {
    let repo = TestRepo::new();
    let mut g = FakeKeys::new(107);
    repo.write("docs.md", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
    repo.write(
        "app.py",
        "import os\nkey = os.environ['AWS_ACCESS_KEY_ID']\nsecret = '${AWS_SECRET_ACCESS_KEY}'\n",
    );
    repo.write("hashes.txt", format!("{}\n{}\n", g.hex40(), g.hex40()));
    repo.write(
        "package-lock.json",
        format!(
            "{{\"integrity\": \"sha512-{}{}AAAAAAAA==\"}}\n",
            g.secret(),
            g.secret()
        ),
    );
    repo.write("random.txt", format!("token = \"{}\"\n", g.secret()));
    repo.commit("clean");
    let report = scan(&repo);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(report.stats.blobs >= 5);
}

#[test]
fn inline_allow_is_counted_as_suppressed() {
    let repo = TestRepo::new();
    let key = FakeKeys::new(108).key_id("AKIA");
    repo.write("fixture.txt", format!("k = {key} # rolecall:allow\n"));
    repo.commit("fixture");
    let report = scan(&repo);
    assert!(report.findings.is_empty());
    assert_eq!(report.stats.suppressed, 1);
}

#[test]
fn empty_repository_scans_clean() {
    let repo = TestRepo::new();
    let report = scan(&repo);
    assert!(report.findings.is_empty());
    assert!(!report.incomplete());
}

#[test]
fn shallow_clone_is_reported_incomplete() {
    let origin = TestRepo::new();
    let key = FakeKeys::new(109).key_id("AKIA");
    origin.write("a.txt", format!("k = {key}\n"));
    origin.commit("one");
    origin.remove("a.txt");
    origin.write("b.txt", "b\n");
    origin.commit("two");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    let out = git_in(
        dir.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let git = git2::Repository::open(dir.path().join("shallow")).unwrap();
    let report = run_with_repo(&git, false, &Detector::builtin(), &ScanOptions::default()).unwrap();
    assert!(report.incomplete());
    assert!(report.skipped[0].reason.contains("shallow"));
    assert!(report.findings.is_empty());
}

#[test]
fn oversized_blob_is_skipped_and_said() {
    let repo = TestRepo::new();
    let key = FakeKeys::new(110).key_id("AKIA");
    repo.write("big.txt", format!("{}\nk = {key}\n", "x".repeat(4096)));
    repo.write("small.txt", format!("k = {key}\n"));
    repo.commit("sizes");
    let git = git2::Repository::open(repo.path()).unwrap();
    let opts = ScanOptions {
        max_blob_size: 1024,
        ..ScanOptions::default()
    };
    let report = run_with_repo(&git, false, &Detector::builtin(), &opts).unwrap();
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].path.as_deref(), Some("small.txt"));
    assert!(report.incomplete());
    assert!(report.skipped[0].reason.contains("limit"));
}

#[test]
fn corrupt_object_is_skipped_and_the_rest_is_scanned() {
    let repo = TestRepo::new();
    let key = FakeKeys::new(111).key_id("AKIA");
    repo.write("good.txt", format!("k = {key}\n"));
    repo.write("victim.txt", "this blob will be corrupted\n");
    repo.commit("two files");
    let victim = String::from_utf8(repo.git(&["rev-parse", "HEAD:victim.txt"]).stdout).unwrap();
    let victim = victim.trim();
    let loose = repo
        .path()
        .join(".git/objects")
        .join(&victim[..2])
        .join(&victim[2..]);
    let mut perms = std::fs::metadata(&loose).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&loose, perms).unwrap();
    std::fs::write(&loose, b"not zlib at all").unwrap();
    let report = scan(&repo);
    assert_eq!(
        report.findings.len(),
        1,
        "the readable blob is still scanned"
    );
    assert!(
        report.skipped.iter().any(|s| s.what == victim),
        "{:?}",
        report.skipped
    );
}

#[test]
fn submodule_symlink_and_binary_do_not_break_the_scan() {
    let repo = TestRepo::new();
    let key = FakeKeys::new(112).key_id("AKIA");
    let mut binary = vec![0u8, 1, 2, 255, 0];
    binary.extend_from_slice(format!(" {key} ").as_bytes());
    repo.write("blob.bin", binary);
    std::os::unix::fs::symlink("blob.bin", repo.path().join("link")).unwrap();
    let head = repo.commit("binary and link");
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{head},vendor/sub"),
    ]);
    repo.git(&["commit", "-q", "-m", "gitlink"]);
    let report = scan(&repo);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].path.as_deref(), Some("blob.bin"));
    assert!(!report.incomplete());
}

#[test]
fn key_and_secret_in_different_files_of_one_commit_pair() {
    let repo = TestRepo::new();
    let pair = FakeKeys::new(113).pair();
    repo.write(
        "app/config.py",
        format!("AWS_ACCESS_KEY_ID = \"{}\"\n", pair.key_id),
    );
    repo.write(
        "app/.env",
        format!("AWS_SECRET_ACCESS_KEY={}\n", pair.secret),
    );
    repo.commit("config and env");
    // A key ID alone in another commit stays medium.
    let other = FakeKeys::new(114).key_id("AKIA");
    repo.write("notes.txt", format!("old key {other}\n"));
    repo.commit("notes");
    let report = scan(&repo);
    let severity = |path: &str| {
        report
            .findings
            .iter()
            .find(|f| f.path.as_deref() == Some(path))
            .map(|f| f.severity)
    };
    assert_eq!(severity("app/config.py"), Some(Severity::Critical));
    assert_eq!(severity("app/.env"), Some(Severity::Critical));
    assert_eq!(severity("notes.txt"), Some(Severity::Medium));
}
