//! SARIF 2.1.0 output that GitHub code scanning accepts.
//!
//! - `tool.driver.rules` come from the rule set (`rules/aws.toml`): id, name, descriptions, help,
//!   a default level, `properties.security-severity` (GitHub's 0–10 scale, raised to the most
//!   severe finding of that rule in this report) and tags.
//! - Each result has `ruleId`/`ruleIndex`, a `level` (critical/high → `error`, medium →
//!   `warning`, low → `note`), a message with the redacted value, a repository-relative
//!   `artifactLocation.uri` with the start line and column, and `partialFingerprints` holding the
//!   rolecall fingerprint, so that code scanning tracks an alert across rebases.
//! - A finding in a commit or tag message has no file: it gets a logical location instead.
//! - Skipped objects become tool execution notifications and make `executionSuccessful` false.

use super::{clean, short_id, ReportOptions};
use crate::error::Result;
use crate::finding::{Finding, Kind, Severity, Source};
use crate::model::report::ScanReport;
use crate::rules::RuleSet;
use serde_json::{json, Map, Value};
use std::io::Write;

/// The key under which the rolecall fingerprint is written in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "rolecallFingerprint/v1";

/// The SARIF level for a severity.
fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` (0.1–10; ≥ 9 critical, ≥ 7 high, ≥ 4 medium, else low).
fn security_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
    }
}

/// The severity a rule's findings have unless pairing raises them.
fn default_severity(id: &str, kind: Kind) -> Severity {
    match kind {
        Kind::SecretAccessKey if id.ends_with(".paired") => Severity::Critical,
        Kind::SecretAccessKey => Severity::High,
        Kind::AccessKeyId | Kind::SessionToken => Severity::Medium,
        Kind::BedrockApiKey => Severity::Critical,
        Kind::AppSyncApiKey => Severity::Low,
    }
}

fn help_text(kind: Kind) -> &'static str {
    match kind {
        Kind::AccessKeyId => {
            "An AWS access key ID is in the repository's history. With its secret it is a usable \
             credential, and it names the AWS account it belongs to. Deactivate and rotate the \
             key in IAM, replace it with an IAM role (instance profile, IRSA, OIDC for CI), \
             then remove it from history."
        }
        Kind::SecretAccessKey => {
            "An AWS secret access key is in the repository's history: anyone who can read the \
             repository can use it. Deactivate and rotate the key in IAM now, replace it with an \
             IAM role, then remove it from history. Deleting the file does not remove it."
        }
        Kind::SessionToken => {
            "An AWS STS session token is in the repository's history. It grants access until it \
             expires: revoke the role session (or the issuing user's sessions) and stop \
             committing temporary credentials."
        }
        Kind::BedrockApiKey => {
            "An Amazon Bedrock API key is in the repository's history: it is a bearer token that \
             invokes models on the account's bill. Delete the IAM service-specific credential \
             (aws iam delete-service-specific-credential), let the SDK sign with an IAM role, \
             then remove the key from history."
        }
        Kind::AppSyncApiKey => {
            "An AWS AppSync API key is in the repository: a public-client key by design, not an \
             IAM credential. Make sure the API's authorization does not rely on it alone and \
             rotate it if it should not be public."
        }
    }
}

struct RuleMeta {
    id: String,
    name: String,
    kind: Kind,
    severity: Severity,
}

fn rules_for(report: &ScanReport) -> Vec<RuleMeta> {
    let set = RuleSet::builtin();
    let mut rules: Vec<RuleMeta> = set
        .rule
        .iter()
        .map(|r| RuleMeta {
            id: r.id.clone(),
            name: r.name.clone(),
            kind: r.kind,
            severity: default_severity(&r.id, r.kind),
        })
        .collect();
    for f in &report.findings {
        match rules.iter_mut().find(|r| r.id == f.rule) {
            Some(r) => r.severity = r.severity.max(f.severity),
            None => rules.push(RuleMeta {
                id: f.rule.clone(),
                name: f.kind.label().to_string(),
                kind: f.kind,
                severity: f.severity,
            }),
        }
    }
    rules
}

fn rule_json(r: &RuleMeta) -> Value {
    let help = help_text(r.kind);
    json!({
        "id": r.id,
        "name": pascal_name(&r.id),
        "shortDescription": { "text": r.name },
        "fullDescription": { "text": format!("{}: {}", r.name, r.kind.label()) },
        "help": { "text": help, "markdown": help },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "security-severity": security_severity(r.severity),
            "precision": "high",
            "problem.severity": level(r.severity),
            "tags": ["security", "secret", "aws", "credentials", "external/cwe/cwe-798"],
        },
    })
}

/// A rule name in the form SARIF viewers expect (`AwsAccessKeyId` for `aws.access-key-id`).
fn pascal_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            let first = cs.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(cs).collect::<String>()
        })
        .collect()
}

/// Percent-encodes a repository-relative path into a relative URI reference.
pub(super) fn path_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn message(f: &Finding) -> String {
    let mut text = format!("{} {} ({})", f.kind.label(), f.redacted, f.severity);
    if let Some(acct) = &f.account_id {
        text.push_str(&format!(" of AWS account {acct}"));
    }
    match (f.source, &f.commit) {
        (Source::CommitMessage, Some(c)) => {
            text.push_str(&format!(" in the message of commit {}", short_id(c)))
        }
        (Source::TagMessage, Some(c)) => {
            text.push_str(&format!(" in a tag message on commit {}", short_id(c)))
        }
        (_, Some(c)) => text.push_str(&format!(" introduced in commit {}", short_id(c))),
        (_, None) => {}
    }
    if let Some(author) = &f.author {
        text.push_str(&format!(" by {}", clean(author)));
    }
    if f.pair.is_some() {
        text.push_str("; paired with its partner, together a usable credential");
    }
    text.push_str(". Rotate this key.");
    text
}

fn location(f: &Finding) -> Value {
    match &f.path {
        Some(path) => json!({
            "physicalLocation": {
                "artifactLocation": { "uri": path_uri(path) },
                "region": { "startLine": f.line.max(1), "startColumn": f.column.max(1) },
            }
        }),
        None => {
            let what = match f.source {
                Source::TagMessage => "tag-message",
                _ => "commit-message",
            };
            let commit = f.commit.as_deref().unwrap_or("unknown");
            json!({
                "logicalLocations": [{
                    "name": format!("{what} {}", short_id(commit)),
                    "fullyQualifiedName": format!("{what}/{commit}:{}:{}", f.line, f.column),
                    "kind": "text",
                }]
            })
        }
    }
}

fn result_json(f: &Finding, rule_index: usize) -> Value {
    let mut props = Map::new();
    props.insert("severity".into(), json!(f.severity.as_str()));
    props.insert("kind".into(), json!(f.kind.as_str()));
    props.insert(
        "source".into(),
        serde_json::to_value(f.source).unwrap_or(Value::Null),
    );
    props.insert(
        "encoding".into(),
        serde_json::to_value(f.encoding).unwrap_or(Value::Null),
    );
    props.insert("redacted".into(), json!(f.redacted));
    let optional = [
        ("commit", &f.commit),
        ("author", &f.author),
        ("date", &f.date),
        ("commitSummary", &f.summary),
        ("account", &f.account_id),
        ("keyType", &f.key_type),
        ("pair", &f.pair),
        ("repo", &f.repo),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            props.insert(key.into(), json!(v));
        }
    }
    json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": message(f) },
        "locations": [location(f)],
        "partialFingerprints": { FINGERPRINT_KEY: f.fingerprint },
        "properties": props,
    })
}

/// Builds the SARIF log as a JSON value.
pub(super) fn sarif_value(report: &ScanReport, opts: &ReportOptions) -> Value {
    let rules = rules_for(report);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = rules.iter().position(|r| r.id == f.rule).unwrap_or(0);
            result_json(f, index)
        })
        .collect();
    let mut driver = json!({
        "name": "rolecall",
        "version": opts.tool_version,
        "semanticVersion": opts.tool_version,
        "rules": rules.iter().map(rule_json).collect::<Vec<_>>(),
    });
    let info = [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|u| !u.is_empty());
    if let Some(uri) = info {
        driver["informationUri"] = json!(uri);
    }
    let notifications: Vec<Value> = report
        .skipped
        .iter()
        .map(|s| {
            json!({
                "level": "warning",
                "message": { "text": format!("not scanned: {}: {}", clean(&s.what), clean(&s.reason)) },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "invocations": [{
                "executionSuccessful": !report.incomplete(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// Writes the SARIF log.
pub(super) fn write(report: &ScanReport, out: &mut dyn Write, opts: &ReportOptions) -> Result<()> {
    let value = sarif_value(report, opts);
    serde_json::to_writer_pretty(&mut *out, &value).map_err(super::json::json_error)?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{python, sample_report};
    use super::*;

    const VALIDATE: &str = "\
import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit('the jsonschema module is required: pip install jsonschema')
schema = json.load(open(sys.argv[1]))
doc = json.load(sys.stdin)
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors:
    print('/'.join(map(str, e.path)), e.message)
print('errors', len(errors))
";

    fn schema_path() -> String {
        format!(
            "{}/tests/data/sarif-2.1.0.schema.json",
            env!("CARGO_MANIFEST_DIR")
        )
    }

    fn validate(doc: &Value) -> String {
        let text = serde_json::to_vec(doc).unwrap();
        python(&["-c", VALIDATE, &schema_path()], &text)
    }

    fn opts() -> ReportOptions {
        ReportOptions {
            color: false,
            tool_version: "0.1.0-test".into(),
        }
    }

    #[test]
    fn sarif_is_valid_against_the_2_1_0_schema() {
        let sample = sample_report();
        let doc = sarif_value(&sample.report, &opts());
        let verdict = validate(&doc);
        assert!(verdict.ends_with("errors 0\n"), "{verdict}");

        let mut clean = sample.report.clone();
        clean.findings.clear();
        clean.skipped.clear();
        let verdict = validate(&sarif_value(&clean, &opts()));
        assert!(verdict.ends_with("errors 0\n"), "{verdict}");
    }

    #[test]
    fn schema_check_rejects_an_invalid_log() {
        let sample = sample_report();
        let mut doc = sarif_value(&sample.report, &opts());
        doc["runs"][0]["results"][0]["level"] = json!("critical");
        doc["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
            json!(0);
        let verdict = validate(&doc);
        assert!(verdict.ends_with("errors 2\n"), "{verdict}");
    }

    #[test]
    fn results_carry_what_code_scanning_needs() {
        let sample = sample_report();
        let doc = sarif_value(&sample.report, &opts());
        let run = &doc["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), sample.report.findings.len());
        for (r, f) in results.iter().zip(&sample.report.findings) {
            assert_eq!(r["ruleId"], f.rule.as_str());
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], f.rule.as_str());
            assert_eq!(
                r["partialFingerprints"][FINGERPRINT_KEY],
                f.fingerprint.as_str()
            );
            assert!(r["message"]["text"].as_str().unwrap().contains(&f.redacted));
        }
        assert_eq!(results[0]["level"], "error");
        assert_eq!(results[3]["level"], "warning");
        assert_eq!(results[5]["level"], "note");
        let loc = &results[2]["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"]["uri"],
            "k8s/app%20secret%2Cprod.yaml"
        );
        assert_eq!(loc["region"]["startLine"], 7);
        assert_eq!(loc["region"]["startColumn"], 14);
        // A commit-message finding has no file, only a logical location.
        let msg = &results[3]["locations"][0];
        assert!(msg.get("physicalLocation").is_none());
        assert!(msg["logicalLocations"][0]["name"]
            .as_str()
            .unwrap()
            .starts_with("commit-message "));
        assert_eq!(results[0]["properties"]["account"], "210987654321");
        // A rule's security-severity follows its most severe finding.
        let key_rule = rules
            .iter()
            .find(|r| r["id"] == "aws.access-key-id")
            .unwrap();
        assert_eq!(key_rule["properties"]["security-severity"], "9.5");
        assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    }

    #[test]
    fn snapshot_sarif() {
        let sample = sample_report();
        let mut out = Vec::new();
        write(&sample.report, &mut out, &opts()).unwrap();
        insta::assert_snapshot!("sarif", String::from_utf8(out).unwrap());
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(
            pascal_name("aws.secret-access-key.paired"),
            "AwsSecretAccessKeyPaired"
        );
    }
}
