//! A fixed, deterministic [`ScanReport`] built from generated keys, shared by the report and
//! policy tests. It holds only redacted values and fingerprints; the whole values are returned
//! beside it so that tests can assert that no output contains them.

use crate::detect::validate::account_id;
use crate::fake::FakeKeys;
use crate::finding::{fingerprint, redact, Encoding, Finding, Kind, Severity, Source};
use crate::model::report::{ScanReport, Skipped, Stats};

/// The sample report and the whole values behind its findings (never to be written anywhere).
pub(crate) struct Sample {
    pub report: ScanReport,
    pub values: Vec<String>,
}

struct Commit {
    id: String,
    author: &'static str,
    date: &'static str,
    summary: &'static str,
}

#[allow(clippy::too_many_arguments)]
fn finding(
    kind: Kind,
    rule: &str,
    severity: Severity,
    value: &str,
    path: Option<&str>,
    (line, column): (u32, u32),
    commit: Option<&Commit>,
    source: Source,
    encoding: Encoding,
) -> Finding {
    let is_key = kind == Kind::AccessKeyId;
    Finding {
        kind,
        rule: rule.to_string(),
        severity,
        path: path.map(str::to_string),
        line,
        column,
        commit: commit.map(|c| c.id.clone()),
        author: commit.map(|c| c.author.to_string()),
        date: commit.map(|c| c.date.to_string()),
        source,
        encoding,
        redacted: redact(value),
        fingerprint: fingerprint(kind, value),
        account_id: if is_key { account_id(value) } else { None },
        key_type: None,
        pair: None,
        blob: commit.map(|c| format!("b{}", &c.id[1..])),
        summary: commit.map(|c| c.summary.to_string()),
        repo: None,
        reachable: true,
        known: false,
        expires: None,
        principal: None,
        assembled: None,
    }
}

/// Builds the sample: a paired critical credential in a UTF-16 PowerShell script, a high secret
/// in a base64 YAML file whose name needs escaping, a key ID in a commit message, a session token
/// in a tag message, a low role ID in a plain file, and one skipped object.
pub(crate) fn sample_report() -> Sample {
    let mut g = FakeKeys::new(20_240_601);
    let c1 = Commit {
        id: g.hex40(),
        author: "Dana Developer <dana@example.com>",
        date: "2023-11-14T22:13:20+00:00",
        summary: "Add EC2 user-data: bootstrap & \"deploy\" <prod>",
    };
    let c2 = Commit {
        id: g.hex40(),
        author: "Ops Bot <ops@example.com>",
        date: "2023-11-15T08:00:00+01:00",
        summary: "Rotate CI settings",
    };
    let pair = g.pair();
    let lone_secret = g.secret();
    let temp_key = g.key_id_for_account("ASIA", 123_456_789_012);
    let token = g.session_token();
    let role_id = g.key_id("AROA");

    let mut key = finding(
        Kind::AccessKeyId,
        "aws.access-key-id",
        Severity::Critical,
        &pair.key_id,
        Some("deploy/user-data.ps1"),
        (4, 34),
        Some(&c1),
        Source::Blob,
        Encoding::Utf16,
    );
    key.key_type = Some("long-term access key (IAM user)".into());
    let mut secret = finding(
        Kind::SecretAccessKey,
        "aws.secret-access-key",
        Severity::Critical,
        &pair.secret,
        Some("deploy/user-data.ps1"),
        (4, 70),
        Some(&c1),
        Source::Blob,
        Encoding::Utf16,
    );
    key.pair = Some(secret.fingerprint.clone());
    secret.pair = Some(key.fingerprint.clone());
    let high = finding(
        Kind::SecretAccessKey,
        "aws.secret-access-key",
        Severity::High,
        &lone_secret,
        Some("k8s/app secret,prod.yaml"),
        (7, 14),
        Some(&c1),
        Source::Blob,
        Encoding::Base64,
    );
    let mut in_message = finding(
        Kind::AccessKeyId,
        "aws.access-key-id",
        Severity::Medium,
        &temp_key,
        None,
        (3, 12),
        Some(&c2),
        Source::CommitMessage,
        Encoding::Plain,
    );
    in_message.key_type = Some("temporary access key (STS)".into());
    in_message.blob = None;
    let mut in_tag = finding(
        Kind::SessionToken,
        "aws.session-token",
        Severity::Medium,
        &token,
        None,
        (2, 1),
        Some(&c2),
        Source::TagMessage,
        Encoding::Plain,
    );
    in_tag.blob = None;
    let mut low = finding(
        Kind::AccessKeyId,
        "aws.access-key-id",
        Severity::Low,
        &role_id,
        Some("notes/<roles> & \"ids\".txt"),
        (1, 9),
        None,
        Source::File,
        Encoding::Plain,
    );
    low.key_type = Some("IAM role unique ID".into());

    let report = ScanReport {
        findings: vec![key, secret, high, in_message, in_tag, low],
        stats: Stats {
            objects: 1_234,
            blobs: 321,
            messages: 57,
            bytes: 5_678_901,
            suppressed: 2,
            seconds: 0.25,
            ..Stats::default()
        },
        skipped: vec![Skipped {
            what: "0123456789abcdef0123456789abcdef01234567".into(),
            reason: "object is missing (shallow clone?)".into(),
        }],
    };
    Sample {
        report,
        values: vec![
            pair.key_id,
            pair.secret,
            lone_secret,
            temp_key,
            token,
            role_id,
        ],
    }
}

/// Runs `python3` with `args`, feeding `stdin`, and returns its stdout. Panics with install advice
/// when python3 is missing and with its stderr when it fails, so that a missing validator fails
/// the test instead of skipping the check.
#[cfg(feature = "conformance")]
pub(crate) fn python(args: &[&str], stdin: &[u8]) -> String {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new("python3")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect(
            "python3 is required by this test (.ci/run installs it with `pip install jsonschema`)",
        );
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin)
        .expect("write to python3");
    let out = child.wait_with_output().expect("python3 runs");
    assert!(
        out.status.success(),
        "python3 {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
