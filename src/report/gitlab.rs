//! GitLab's secret-detection report (`--format gitlab`): the JSON that
//! `artifacts:reports:secret_detection` takes, so that findings reach the merge request's
//! security widget, the pipeline's security tab and the vulnerability report.
//!
//! It follows GitLab's `secret-detection-report-format.json` schema, version [`SCHEMA_VERSION`]
//! (the newest GitLab validates; vendored under `tests/data/` and checked in the tests):
//!
//! - `scan`: analyzer and scanner `rolecall`, type `secret_detection`, UTC start and end times,
//!   `status` `success`, or `failure` when something could not be scanned (with a `warn` message
//!   per skipped object) or the scan could not run at all ([`write_failure`], a `fatal` message).
//! - one vulnerability per finding: a UUID-shaped `id` that is unique per location and stable
//!   across runs, `name` (the credential kind, nothing specific), a `description` with the
//!   redacted value only, `severity`, `solution`, `identifiers` (the rolecall rule first: it is
//!   the primary identifier GitLab groups by; then CWE-798), and `location` with the file, the
//!   lines and the commit (`sha`, author, date, summary). Text that is not a file of the tree (a
//!   commit message, a header, a ref name) is placed at the same `.git/<what>/<commit>` pseudo-path
//!   as in SARIF. A finding outside git history has commit `0000000`, as GitLab's own analyzer
//!   writes for files that are not committed.
//! - nothing secret: no `raw_source_code_extract`, only redacted values and fingerprints.

use super::{clean, ReportOptions};
use crate::error::Result;
use crate::finding::{Finding, Kind, Severity, Source};
use crate::model::report::ScanReport;
use serde_json::{json, Value};
use std::io::Write;

/// The version of GitLab's report schema this format follows.
pub const SCHEMA_VERSION: &str = "15.2.1";

const SCHEMA_URL: &str = "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.2.1/dist/secret-detection-report-format.json";

/// GitLab's name for a severity.
fn severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

fn solution(kind: Kind) -> &'static str {
    match kind {
        Kind::AccessKeyId | Kind::SecretAccessKey => {
            "Deactivate and rotate the access key in IAM now (aws iam update-access-key --status \
             Inactive), replace it with an IAM role (instance profile, ECS task role, EKS Pod \
             Identity or IRSA, OIDC for CI), then remove it from history. `rolecall fix` prints \
             the patch that switches the code to the default credential chain."
        }
        Kind::SessionToken => {
            "Revoke the role session (or the issuing user's sessions) and stop committing \
             temporary credentials; let the SDK obtain them from the role at run time."
        }
        Kind::BedrockApiKey => {
            "Delete the IAM service-specific credential (aws iam \
             delete-service-specific-credential), let the SDK sign Bedrock requests with an IAM \
             role, then remove the key from history."
        }
        Kind::AppSyncApiKey => {
            "AppSync API keys are public-client keys by design: make sure the API does not rely \
             on the key alone and rotate it if it should not be public."
        }
    }
}

/// The file a vulnerability is reported in (a pseudo-path for text outside the tree).
fn file_of(f: &Finding) -> String {
    match (&f.path, f.source) {
        (Some(path), Source::Blob | Source::TreeEntry | Source::Worktree | Source::File) => {
            clean(path)
        }
        _ => super::sarif::pseudo_path(f),
    }
}

/// A UUID-shaped id from the credential's fingerprint and its location: unique per location,
/// the same in every run (GitLab recommends a UUID; it tracks vulnerabilities by identifier and
/// location, not by this id).
fn vulnerability_id(f: &Finding, occurrence: u32) -> String {
    let input = format!(
        "rolecall-gitlab-v1\0{}\0{}\0{}\0{}\0{occurrence}",
        f.fingerprint,
        file_of(f),
        f.line,
        f.commit.as_deref().unwrap_or("")
    );
    let hex = git2::Oid::hash_object(git2::ObjectType::Blob, input.as_bytes())
        .map(|oid| oid.to_string())
        .unwrap_or_else(|_| "0".repeat(40));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn description(f: &Finding) -> String {
    let mut text = format!(
        "{} `{}` ({} severity)",
        f.kind.label(),
        f.redacted,
        f.severity
    );
    if let Some(acct) = &f.account_id {
        text.push_str(&format!(" of AWS account {acct}"));
    }
    let short = |c: &str| c.get(..12).unwrap_or(c).to_string();
    let place = match (f.source, &f.commit) {
        (Source::CommitMessage, Some(c)) => format!(" in the message of commit {}", short(c)),
        (Source::TagMessage, Some(c)) => format!(" in a tag message on commit {}", short(c)),
        (Source::CommitHeader, Some(c)) => format!(" in the header of commit {}", short(c)),
        (Source::TagHeader, Some(c)) => format!(" in a tag header on commit {}", short(c)),
        (Source::RefName, _) => " in the name of a ref".to_string(),
        (Source::TreeEntry, Some(c)) => {
            format!(" in a file or folder name added in commit {}", short(c))
        }
        (_, Some(c)) => format!(" added in commit {}", short(c)),
        (_, None) => String::new(),
    };
    text.push_str(&place);
    if f.pair.is_some() {
        text.push_str(". It is paired with its partner: together a usable credential");
    }
    text.push_str(&format!(
        ". Rotate this key: deleting it in a later commit leaves it in git history. \
         rolecall fingerprint: {}.",
        f.fingerprint
    ));
    text
}

fn vulnerability(f: &Finding, occurrence: u32) -> Value {
    let mut commit = json!({ "sha": f.commit.as_deref().unwrap_or("0000000") });
    if let Some(author) = &f.author {
        commit["author"] = json!(clean(author));
    }
    if let Some(date) = &f.date {
        commit["date"] = json!(date);
    }
    if let Some(summary) = &f.summary {
        commit["message"] = json!(clean(summary));
    }
    let line = f.line.max(1);
    let mut details = serde_json::Map::new();
    let mut field = |key: &str, name: &str, value: &str| {
        details.insert(
            key.into(),
            json!({ "name": name, "type": "text", "value": value }),
        );
    };
    field("redacted", "Redacted value", &f.redacted);
    field("fingerprint", "rolecall fingerprint", &f.fingerprint);
    if let Some(acct) = &f.account_id {
        field("account", "AWS account", acct);
    }
    if let Some(key_type) = &f.key_type {
        field("key_type", "Key type", key_type);
    }
    json!({
        "id": vulnerability_id(f, occurrence),
        "category": "secret_detection",
        "name": f.kind.label(),
        "description": description(f),
        "severity": severity(f.severity),
        "confidence": "High",
        "solution": solution(f.kind),
        "identifiers": [
            {
                "type": "rolecall_rule_id",
                "name": format!("rolecall rule {}", f.rule),
                "value": f.rule,
            },
            {
                "type": "cwe",
                "name": "CWE-798",
                "value": "798",
                "url": "https://cwe.mitre.org/data/definitions/798.html",
            },
        ],
        "location": {
            "file": file_of(f),
            "start_line": line,
            "end_line": line,
            "commit": commit,
        },
        "details": Value::Object(details),
    })
}

/// `yyyy-mm-ddThh:mm:ss` in UTC, the form the schema's `start_time`/`end_time` take.
fn utc(seconds: i64) -> String {
    let iso = crate::git::iso8601(seconds, 0);
    iso.get(..19).unwrap_or(&iso).to_string()
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn scan_object(opts: &ReportOptions, seconds: f64, status: &str, messages: Vec<Value>) -> Value {
    let end = now_seconds();
    let start = end - seconds.max(0.0).ceil() as i64;
    let tool = json!({
        "id": "rolecall",
        "name": "rolecall",
        "version": opts.tool_version,
        "vendor": { "name": "rolecall" },
    });
    let mut scan = json!({
        "analyzer": tool.clone(),
        "scanner": tool,
        "type": "secret_detection",
        "start_time": utc(start),
        "end_time": utc(end),
        "status": status,
    });
    if !messages.is_empty() {
        scan["messages"] = Value::Array(messages);
    }
    scan
}

fn document(scan: Value, vulnerabilities: Vec<Value>) -> Value {
    json!({
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URL,
        "scan": scan,
        "vulnerabilities": vulnerabilities,
    })
}

/// Builds the report.
pub(super) fn gitlab_value(report: &ScanReport, opts: &ReportOptions) -> Value {
    let mut seen: std::collections::HashMap<(String, String, u32), u32> = Default::default();
    let vulnerabilities = report
        .findings
        .iter()
        .map(|f| {
            let key = (f.fingerprint.clone(), file_of(f), f.line);
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            vulnerability(f, *n)
        })
        .collect();
    let messages: Vec<Value> = report
        .skipped
        .iter()
        .map(|s| {
            json!({
                "level": "warn",
                "value": format!("not scanned: {}: {}", clean(&s.what), clean(&s.reason)),
            })
        })
        .collect();
    let status = if report.incomplete() {
        "failure"
    } else {
        "success"
    };
    document(
        scan_object(opts, report.stats.seconds, status, messages),
        vulnerabilities,
    )
}

/// The report of a scan that could not run: no vulnerabilities, `status: failure` and the error
/// as a `fatal` message.
pub(super) fn failure_value(message: &str, opts: &ReportOptions) -> Value {
    let fatal = json!({
        "level": "fatal",
        "value": format!("rolecall could not complete the scan: {}", clean(message)),
    });
    document(scan_object(opts, 0.0, "failure", vec![fatal]), Vec::new())
}

/// Writes the report.
pub(super) fn write(report: &ScanReport, out: &mut dyn Write, opts: &ReportOptions) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, &gitlab_value(report, opts))
        .map_err(super::json::json_error)?;
    writeln!(out)?;
    Ok(())
}

/// Writes [`failure_value`].
pub(super) fn write_failure(
    message: &str,
    out: &mut dyn Write,
    opts: &ReportOptions,
) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, &failure_value(message, opts))
        .map_err(super::json::json_error)?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::sample_report;
    use super::super::schema_check::{errors, GITLAB_SECRET_DETECTION};
    use super::*;

    fn opts() -> ReportOptions {
        ReportOptions {
            color: false,
            tool_version: "0.1.0-test".into(),
        }
    }

    /// issue 14: the GitLab report validates against GitLab's own schema.
    #[test]
    fn issue14_gitlab_report_validates_against_gitlabs_schema() {
        let sample = sample_report();
        let doc = gitlab_value(&sample.report, &opts());
        assert_eq!(errors(GITLAB_SECRET_DETECTION, &doc), Vec::<String>::new());
        let mut clean = sample.report.clone();
        clean.findings.clear();
        clean.skipped.clear();
        let doc = gitlab_value(&clean, &opts());
        assert_eq!(errors(GITLAB_SECRET_DETECTION, &doc), Vec::<String>::new());
        assert_eq!(doc["scan"]["status"], "success");
        assert!(doc["scan"].get("messages").is_none());
    }

    #[test]
    fn schema_check_rejects_a_broken_gitlab_report() {
        let sample = sample_report();
        let mut doc = gitlab_value(&sample.report, &opts());
        doc["scan"]["type"] = json!("sast");
        doc["vulnerabilities"][0]["severity"] = json!("critical");
        doc["vulnerabilities"][1]["location"]
            .as_object_mut()
            .unwrap()
            .remove("commit");
        doc["scan"]["end_time"] = json!("2024-01-01T00:00:00+00:00");
        let found = errors(GITLAB_SECRET_DETECTION, &doc);
        assert_eq!(found.len(), 4, "{found:#?}");
    }

    #[test]
    fn vulnerabilities_carry_location_commit_and_identifiers() {
        let sample = sample_report();
        let doc = gitlab_value(&sample.report, &opts());
        let vulns = doc["vulnerabilities"].as_array().unwrap();
        assert_eq!(vulns.len(), sample.report.findings.len());
        let mut ids = std::collections::HashSet::new();
        for (v, f) in vulns.iter().zip(&sample.report.findings) {
            assert!(
                ids.insert(v["id"].as_str().unwrap().to_string()),
                "ids are unique"
            );
            assert_eq!(v["identifiers"][0]["value"], f.rule.as_str());
            assert!(v["description"].as_str().unwrap().contains(&f.redacted));
            assert_eq!(v["details"]["fingerprint"]["value"], f.fingerprint.as_str());
            assert!(v.get("raw_source_code_extract").is_none());
        }
        assert_eq!(vulns[0]["severity"], "Critical");
        assert_eq!(vulns[0]["location"]["file"], "deploy/user-data.ps1");
        assert_eq!(vulns[0]["location"]["start_line"], 4);
        let c1 = sample.report.findings[0].commit.clone().unwrap();
        assert_eq!(vulns[0]["location"]["commit"]["sha"], c1.as_str());
        assert_eq!(
            vulns[0]["location"]["commit"]["author"],
            "Dana Developer <dana@example.com>"
        );
        // A commit-message finding: the pseudo-path naming the commit.
        let c2 = sample.report.findings[3].commit.clone().unwrap();
        assert_eq!(
            vulns[3]["location"]["file"],
            format!(".git/commit-message/{c2}")
        );
        // A plain file outside history: the placeholder commit GitLab's analyzer uses.
        assert_eq!(vulns[5]["location"]["commit"]["sha"], "0000000");
        assert_eq!(vulns[5]["severity"], "Low");
        // An incomplete scan says so.
        assert_eq!(doc["scan"]["status"], "failure");
        assert_eq!(doc["scan"]["messages"][0]["level"], "warn");
        let time = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$").unwrap();
        assert!(time.is_match(doc["scan"]["start_time"].as_str().unwrap()));
        assert!(time.is_match(doc["scan"]["end_time"].as_str().unwrap()));
        // Ids are stable from run to run.
        let again = gitlab_value(&sample.report, &opts());
        assert_eq!(again["vulnerabilities"][2]["id"], vulns[2]["id"]);
    }

    /// issue 14: a scan that could not run leaves a valid report with `status: failure`.
    #[test]
    fn issue14_gitlab_failure_report_is_valid() {
        let doc = failure_value("not a git repository: /nowhere", &opts());
        assert_eq!(errors(GITLAB_SECRET_DETECTION, &doc), Vec::<String>::new());
        assert_eq!(doc["scan"]["status"], "failure");
        assert_eq!(doc["scan"]["messages"][0]["level"], "fatal");
        assert!(doc["scan"]["messages"][0]["value"]
            .as_str()
            .unwrap()
            .contains("not a git repository"));
        assert_eq!(doc["vulnerabilities"], json!([]));
    }
}
