//! Issue 9, "nothing prints a whole secret": a secret in a commit subject, a key ID in a file
//! name or an author name, and a credentials file given as `--config` are redacted in every
//! report format, `--worktree`, the baseline file and error messages.

use crate::util::{assert_no_secret, run, TestRepo};
use rolecall::fake::FakeKeys;

const FORMATS: [&str; 8] = [
    "human", "json", "jsonl", "sarif", "github", "gitlab", "junit", "html",
];

/// A repository whose file name holds a key ID and whose commit subject and author name hold a
/// key pair. Returns the repository and the whole values that must never be printed.
fn echoing_repo(seed: u64) -> (TestRepo, Vec<String>) {
    let mut g = FakeKeys::new(seed);
    let pair = g.pair();
    let named = g.key_id("AKIA");
    let author = g.key_id("AKIA");
    let repo = TestRepo::new();
    repo.write(
        &format!("keys/{named}.txt"),
        format!(
            "aws_access_key_id = {}\naws_secret_access_key = {}\n",
            pair.key_id, pair.secret
        ),
    );
    repo.git(&["add", "-A"]);
    let subject = format!(
        "deploy with aws_access_key_id={} aws_secret_access_key={}",
        pair.key_id, pair.secret
    );
    let who = format!("Ops {author} <ops@example.com>");
    let date = "1700000000 +0000";
    let out = repo.git_env(
        &["commit", "-q", "--author", &who, "-m", &subject],
        &[("GIT_AUTHOR_DATE", date), ("GIT_COMMITTER_DATE", date)],
    );
    assert!(out.status.success());
    (repo, vec![pair.key_id, pair.secret, named, author])
}

#[test]
fn issue_9_echoed_subjects_paths_and_authors_are_redacted_in_every_format() {
    let (repo, secrets) = echoing_repo(9_201);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    for format in FORMATS {
        let (code, out, err) = run(repo.rolecall().args(["scan", "--format", format]));
        assert_eq!(code, 1, "{format}: {err}");
        assert!(!out.is_empty(), "{format} wrote nothing");
        assert_no_secret(&out, &secrets);
        assert_no_secret(&err, &secrets);
    }
    let (_, out, err) = run(repo.rolecall().args(["scan", "--worktree"]));
    assert_no_secret(&out, &secrets);
    assert_no_secret(&err, &secrets);
    // The redacted subject still reads: the words around the keys are kept.
    assert!(out.contains("deploy with aws_access_key_id="), "{out}");
}

#[test]
fn issue_9_baseline_file_does_not_hold_a_key_id_from_a_path() {
    let mut g = FakeKeys::new(9_202);
    let (pair, named) = (g.pair(), g.key_id("AKIA"));
    let repo = TestRepo::new();
    repo.write(
        &format!("keys/{named}.txt"),
        format!(
            "aws_access_key_id = {}\naws_secret_access_key = {}\n",
            pair.key_id, pair.secret
        ),
    );
    repo.commit("add keys");
    let secrets = [named.as_str(), pair.secret.as_str()];
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let (code, _, err) =
        run(repo
            .rolecall()
            .args(["scan", "--write-baseline", baseline.to_str().unwrap()]));
    assert_eq!(code, 1, "{err}");
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(text.contains("keys/AKIA"), "{text}");
    assert_no_secret(&text, &secrets);
    // The baseline still suppresses what it recorded.
    let (code, out, err) =
        run(repo
            .rolecall()
            .args(["scan", "--baseline", baseline.to_str().unwrap()]));
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn issue_9_config_pointing_at_a_credentials_file_does_not_quote_the_secret() {
    let mut g = FakeKeys::new(9_203);
    let pair = g.pair();
    let repo = TestRepo::new();
    repo.write("README.md", "hi\n");
    repo.commit("readme");
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(
        &env,
        format!(
            "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\n",
            pair.key_id, pair.secret
        ),
    )
    .unwrap();
    let creds = dir.path().join("credentials");
    std::fs::write(
        &creds,
        format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            pair.key_id, pair.secret
        ),
    )
    .unwrap();
    for config in [&env, &creds] {
        for format in ["human", "json", "sarif"] {
            let (code, out, err) = run(repo.rolecall().args([
                "scan",
                "--format",
                format,
                "--config",
                config.to_str().unwrap(),
            ]));
            assert_eq!(code, 2, "{out}{err}");
            assert!(err.contains("invalid configuration"), "{err}");
            assert_no_secret(&out, &[&pair.key_id, &pair.secret]);
            assert_no_secret(&err, &[&pair.key_id, &pair.secret]);
        }
    }
}

/// The report without its timing (the one line that changes from run to run).
fn stable(text: &str) -> String {
    let timing = regex::Regex::new(r"in \d+\.\d\d s").unwrap();
    timing.replace_all(text, "in <t> s").into_owned()
}

#[test]
fn issue_9_redacted_reports_snapshot() {
    let (repo, _) = echoing_repo(9_204);
    for format in ["human", "github"] {
        let (_, out, _) = run(repo
            .rolecall()
            .args(["scan", "--no-progress", "--format", format]));
        insta::assert_snapshot!(format!("issue_9_redacted_{format}"), stable(&out));
    }
}

#[test]
fn issue_9_control_characters_in_names_never_reach_the_terminal() {
    let mut g = FakeKeys::new(9_205);
    let pair = g.pair();
    let repo = TestRepo::new();
    repo.write(
        "x\x1b]0;owned\x07\x1b[2J.ini",
        format!(
            "aws_access_key_id = {}\naws_secret_access_key = {}\n",
            pair.key_id, pair.secret
        ),
    );
    repo.git(&["add", "-A"]);
    let who = "Eve \x1b[31mRed <eve@example.com>";
    repo.git(&[
        "commit",
        "-q",
        "--author",
        who,
        "-m",
        "subject \x1b[5mblink",
    ]);
    for format in FORMATS {
        let (_, out, err) =
            run(repo
                .rolecall()
                .args(["scan", "--no-progress", "--format", format]));
        assert!(
            !out.contains('\x1b') && !out.contains('\x07'),
            "{format}: {out:?}"
        );
        assert!(!err.contains('\x1b'), "{format}: {err:?}");
    }
    let (_, out, _) = run(repo
        .rolecall()
        .args(["scan", "--worktree", "--no-progress"]));
    assert!(!out.contains('\x1b'), "{out:?}");
}
