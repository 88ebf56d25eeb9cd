//! SARIF 2.1.0 output that GitHub code scanning accepts and keeps.
//!
//! - `tool.driver.rules` come from the rule set (`rules/aws.toml`): id, name, descriptions, help,
//!   a default level, `properties.security-severity` (GitHub's 0–10 scale, raised to the most
//!   severe finding of that rule in this report) and tags.
//! - Each result has `ruleId`/`ruleIndex`, a `level` (critical/high → `error`, medium →
//!   `warning`, low → `note`), a message with the redacted value and exactly one location with a
//!   `physicalLocation` (code scanning drops a result without one): a repository-relative
//!   `artifactLocation.uri` with the start line and column.
//! - Text that is not a file of the tree (a commit or tag message or header, a ref name) gets the
//!   pseudo-path `.git/<what>/<commit>` (see [`pseudo_path`]): git never tracks a path under
//!   `.git/`, so it cannot collide with a real file, and it names the commit. A logical location
//!   (`commit-message/<sha>:line:col`) says the same for viewers that read it.
//! - `partialFingerprints` are unique per location ([`LOCATION_KEY`]: the credential's fingerprint,
//!   the path and the occurrence number, never the line or the commit), so the same key in two
//!   files is two alerts that each survive rebases and moved lines; the key-level fingerprint
//!   (the same for every copy of one credential, what baselines use) is the result property
//!   `fingerprint`.
//! - Skipped objects become tool execution notifications and make `executionSuccessful` false;
//!   a scan that could not run at all is written by [`write_failure`] as a run with no results,
//!   `executionSuccessful: false` and the error as an `error` notification.

use super::{clean, short_id, ReportOptions};
use crate::error::Result;
use crate::finding::{Finding, Kind, Severity, Source};
use crate::model::report::ScanReport;
use crate::rules::RuleSet;
use serde_json::{json, Map, Value};
use std::io::Write;

/// The key under which the per-location fingerprint is written in `partialFingerprints`.
pub const LOCATION_KEY: &str = "rolecallLocation/v1";

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
             invokes models on the account's bill. A long-term key (ABSK…) is an IAM \
             service-specific credential: delete it (aws iam \
             delete-service-specific-credential). A short-term key (bedrock-api-key-…) is a \
             presigned URL valid up to 12 hours: deactivate the access key that signed it to cut \
             it off sooner. Remove the bearer token (AWS_BEARER_TOKEN_BEDROCK) so the SDK signs \
             with an IAM role, then remove the key from history."
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
        (Source::CommitHeader, Some(c)) => {
            text.push_str(&format!(" in the header of commit {}", short_id(c)))
        }
        (Source::TagHeader, Some(c)) => {
            text.push_str(&format!(" in a tag header on commit {}", short_id(c)))
        }
        (Source::TreeEntry, Some(c)) => text.push_str(&format!(
            " in the name of a file or folder, introduced in commit {}",
            short_id(c)
        )),
        (Source::RefName, Some(c)) => text.push_str(&format!(
            " in the name of a ref pointing at commit {}",
            short_id(c)
        )),
        (Source::RefName, None) => text.push_str(" in the name of a ref"),
        (_, Some(c)) => text.push_str(&format!(" introduced in commit {}", short_id(c))),
        (Source::Blob, None) => {
            if let Some(blob) = f.blob.as_deref().filter(|_| f.path.is_none()) {
                text.push_str(&format!(
                    " in blob {}, which no commit's tree names",
                    short_id(blob)
                ));
            }
        }
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

/// What a finding that is not in a file of the tree is in, as a path segment.
fn pseudo_kind(source: Source) -> Option<&'static str> {
    match source {
        Source::CommitMessage => Some("commit-message"),
        Source::TagMessage => Some("tag-message"),
        Source::CommitHeader => Some("commit-header"),
        Source::TagHeader => Some("tag-header"),
        Source::RefName => Some("ref-name"),
        Source::Blob | Source::TreeEntry | Source::Worktree | Source::File => None,
    }
}

/// The artifact path of a finding that has no file of its own: `.git/commit-message/<sha>` (and
/// likewise for tag messages, headers and ref names). A tracked path never starts with `.git/`,
/// so this cannot name a real file; code scanning accepts a path that does not exist in the
/// checkout (it shows the alert without a code snippet).
pub(super) fn pseudo_path(f: &Finding) -> String {
    let what = pseudo_kind(f.source).unwrap_or("unknown");
    let commit = f.commit.as_deref().unwrap_or("unknown-commit");
    match (&f.path, f.source) {
        (Some(name), Source::RefName) => format!(".git/{what}/{}", clean(name)),
        _ => format!(".git/{what}/{commit}"),
    }
}

/// The repository-relative path a finding is reported under. A blob that no tree names (staged
/// then reset, a dropped stash: found by a scan of every object) is placed at
/// `.git/blob/<blob id>`: a relative path, since code scanning's upload rejects URI schemes other
/// than `file`.
fn artifact_path(f: &Finding) -> String {
    match (&f.path, pseudo_kind(f.source), &f.blob) {
        (Some(path), None, _) => path.clone(),
        (None, None, Some(blob)) => format!(".git/blob/{}", clean(blob)),
        _ => pseudo_path(f),
    }
}

fn location(f: &Finding) -> Value {
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": path_uri(&artifact_path(f)) },
            "region": { "startLine": f.line.max(1), "startColumn": f.column.max(1) },
        }
    });
    if let Some(what) = pseudo_kind(f.source) {
        let commit = f.commit.as_deref().unwrap_or("unknown");
        loc["logicalLocations"] = json!([{
            "name": format!("{what} {}", short_id(commit)),
            "fullyQualifiedName": format!("{what}/{commit}:{}:{}", f.line, f.column),
            "kind": "text",
        }]);
    }
    loc
}

/// Per-location fingerprints: a hash of the credential's fingerprint and the path, plus the
/// occurrence number of that pair in the report (`…:1`, `…:2`), like code scanning's own
/// `primaryLocationLineHash`. Lines and commit ids are left out so that an alert survives moved
/// lines and rebases.
fn location_fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    findings
        .iter()
        .map(|f| {
            let input = format!(
                "rolecall-location-v1\0{}\0{}",
                f.fingerprint,
                artifact_path(f)
            );
            let hash = git2::Oid::hash_object(git2::ObjectType::Blob, input.as_bytes())
                .map(|oid| oid.to_string()[..32].to_string())
                .unwrap_or_default();
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            format!("{hash}:{n}")
        })
        .collect()
}

fn result_json(f: &Finding, rule_index: usize, location_fp: &str) -> Value {
    let mut props = Map::new();
    props.insert("fingerprint".into(), json!(f.fingerprint));
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
        ("blob", &f.blob),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            props.insert(key.into(), json!(v));
        }
    }
    props.insert("reachable".into(), json!(f.reachable));
    json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": message(f) },
        "locations": [location(f)],
        "partialFingerprints": { LOCATION_KEY: location_fp },
        "properties": props,
    })
}

/// Builds the SARIF log as a JSON value.
pub(super) fn sarif_value(report: &ScanReport, opts: &ReportOptions) -> Value {
    let rules = rules_for(report);
    let fingerprints = location_fingerprints(&report.findings);
    let results: Vec<Value> = report
        .findings
        .iter()
        .zip(&fingerprints)
        .map(|(f, fp)| {
            let index = rules.iter().position(|r| r.id == f.rule).unwrap_or(0);
            result_json(f, index, fp)
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

/// Writes a SARIF log for a scan that could not run (exit 2): one run with no results,
/// `executionSuccessful: false`, exit code 2 and the error as an `error`-level tool execution
/// notification. A valid document, so that nothing downstream chokes on an empty file.
pub(super) fn failure_value(message: &str, opts: &ReportOptions) -> Value {
    let mut value = sarif_value(&ScanReport::default(), opts);
    value["runs"][0]["invocations"] = json!([{
        "executionSuccessful": false,
        "exitCode": 2,
        "exitCodeDescription": "the scan could not run or was incomplete",
        "toolExecutionNotifications": [{
            "level": "error",
            "message": { "text": format!("rolecall could not complete the scan: {}", clean(message)) },
        }],
    }]);
    value
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

/// Writes the SARIF log.
pub(super) fn write(report: &ScanReport, out: &mut dyn Write, opts: &ReportOptions) -> Result<()> {
    let value = sarif_value(report, opts);
    serde_json::to_writer_pretty(&mut *out, &value).map_err(super::json::json_error)?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::sample_report;
    use super::super::schema_check::{errors, SARIF};
    use super::*;
    use crate::finding::{fingerprint, Encoding};

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
        assert_eq!(errors(SARIF, &doc), Vec::<String>::new());

        let mut clean = sample.report.clone();
        clean.findings.clear();
        clean.skipped.clear();
        assert_eq!(
            errors(SARIF, &sarif_value(&clean, &opts())),
            Vec::<String>::new()
        );
    }

    #[test]
    fn schema_check_rejects_an_invalid_log() {
        let sample = sample_report();
        let mut doc = sarif_value(&sample.report, &opts());
        doc["runs"][0]["results"][0]["level"] = json!("critical");
        doc["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
            json!(0);
        doc["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"] = json!("a b:c");
        let found = errors(SARIF, &doc);
        assert_eq!(found.len(), 3, "{found:#?}");
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
            assert_eq!(r["properties"]["fingerprint"], f.fingerprint.as_str());
            assert!(r["message"]["text"].as_str().unwrap().contains(&f.redacted));
            // Code scanning keeps only results with a physical location.
            let uri = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            assert!(!uri.as_str().unwrap().is_empty(), "{r}");
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
        // A commit-message finding is placed at .git/commit-message/<sha>, which names the
        // commit and can never be a tracked file, plus a logical location.
        let msg = &results[3]["locations"][0];
        let commit = sample.report.findings[3].commit.clone().unwrap();
        assert_eq!(
            msg["physicalLocation"]["artifactLocation"]["uri"],
            format!(".git/commit-message/{commit}")
        );
        assert_eq!(msg["physicalLocation"]["region"]["startLine"], 3);
        assert!(msg["logicalLocations"][0]["name"]
            .as_str()
            .unwrap()
            .starts_with("commit-message "));
        assert_eq!(
            results[4]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            format!(".git/tag-message/{commit}")
        );
        assert_eq!(results[0]["properties"]["account"], "210987654321");
        // A rule's security-severity follows its most severe finding.
        let key_rule = rules
            .iter()
            .find(|r| r["id"] == "aws.access-key-id")
            .unwrap();
        assert_eq!(key_rule["properties"]["security-severity"], "9.5");
        assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    }

    /// issue 14: the same key in two files gave two results with the same partialFingerprints,
    /// so code scanning merged them into one alert.
    #[test]
    fn issue14_same_key_in_two_files_is_two_alerts() {
        let sample = sample_report();
        let mut report = sample.report.clone();
        let first = report.findings[2].clone();
        let mut copy = first.clone();
        copy.path = Some("k8s/staging.yaml".into());
        let mut again = first.clone();
        again.line += 10;
        report.findings = vec![first.clone(), copy, again];
        let doc = sarif_value(&report, &opts());
        let results = doc["runs"][0]["results"].as_array().unwrap();
        let fps: Vec<&str> = results
            .iter()
            .map(|r| r["partialFingerprints"][LOCATION_KEY].as_str().unwrap())
            .collect();
        assert_ne!(fps[0], fps[1], "two files, two alerts");
        assert_ne!(fps[0], fps[2], "two occurrences in one file, two alerts");
        assert!(fps[0].ends_with(":1") && fps[2].ends_with(":2"), "{fps:?}");
        // The key-level fingerprint is the same for every copy, as a property.
        for r in results {
            assert_eq!(r["properties"]["fingerprint"], first.fingerprint.as_str());
        }
        // Moving the finding to another line or commit (a rebase) keeps its fingerprint.
        let mut moved = report.clone();
        moved.findings[0].line += 3;
        moved.findings[0].commit = Some("f".repeat(40));
        let doc2 = sarif_value(&moved, &opts());
        assert_eq!(
            doc2["runs"][0]["results"][0]["partialFingerprints"][LOCATION_KEY],
            fps[0]
        );
    }

    /// issue 14: findings in commit headers, tag headers, tree entries and ref names (the new
    /// sources) each get a physical location code scanning accepts.
    #[test]
    fn issue14_every_source_has_a_physical_location() {
        let sample = sample_report();
        let template = sample.report.findings[3].clone();
        let mut report = sample.report.clone();
        report.findings.clear();
        for (i, source) in [
            Source::CommitHeader,
            Source::TagHeader,
            Source::TreeEntry,
            Source::RefName,
            Source::Worktree,
            Source::CommitMessage,
        ]
        .into_iter()
        .enumerate()
        {
            let mut f = template.clone();
            f.source = source;
            f.encoding = Encoding::Plain;
            f.fingerprint = fingerprint(f.kind, &format!("value-{i}"));
            f.path = match source {
                Source::TreeEntry | Source::Worktree => Some(format!("dir-{i}/name")),
                Source::RefName => Some("refs/heads/leak".into()),
                _ => None,
            };
            report.findings.push(f);
        }
        let doc = sarif_value(&report, &opts());
        assert_eq!(errors(SARIF, &doc), Vec::<String>::new());
        let uris: Vec<String> = doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let commit = template.commit.unwrap();
        assert_eq!(uris[0], format!(".git/commit-header/{commit}"));
        assert_eq!(uris[1], format!(".git/tag-header/{commit}"));
        assert_eq!(uris[2], "dir-2/name");
        assert_eq!(uris[3], ".git/ref-name/refs/heads/leak");
        assert_eq!(uris[4], "dir-4/name");
        let text = doc["runs"][0]["results"][0]["message"]["text"]
            .as_str()
            .unwrap();
        assert!(text.contains("in the header of commit"), "{text}");
    }

    /// issue 9: a blob no tree names (staged, then reset; found by a scan of every object) had
    /// no path and was placed at `.git/unknown/unknown-commit`. It is placed at
    /// `.git/blob/<blob id>` (a relative path: code scanning's upload rejects other URI schemes)
    /// with its blob id and reachability in the properties.
    #[test]
    fn issue_9_a_blob_without_a_path_is_placed_at_git_blob() {
        let sample = sample_report();
        let mut report = sample.report.clone();
        let blob = "0123456789abcdef0123456789abcdef01234567".to_string();
        let mut orphan = report.findings[0].clone();
        orphan.source = Source::Blob;
        orphan.path = None;
        orphan.commit = None;
        orphan.author = None;
        orphan.summary = None;
        orphan.blob = Some(blob.clone());
        orphan.reachable = false;
        let mut tracked = report.findings[0].clone();
        tracked.fingerprint = fingerprint(tracked.kind, "another value");
        report.findings = vec![orphan, tracked.clone()];
        let doc = sarif_value(&report, &opts());
        assert_eq!(errors(SARIF, &doc), Vec::<String>::new());
        let results = doc["runs"][0]["results"].as_array().unwrap();
        let loc = &results[0]["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], format!(".git/blob/{blob}"));
        assert_eq!(loc["region"]["startLine"], report.findings[0].line.max(1));
        assert!(
            results[0]["locations"][0].get("logicalLocations").is_none(),
            "{results:#?}"
        );
        assert_eq!(results[0]["properties"]["blob"], blob.as_str());
        assert_eq!(results[0]["properties"]["reachable"], false);
        let text = results[0]["message"]["text"].as_str().unwrap();
        assert!(text.contains("in blob 0123456"), "{text}");
        // A finding whose path is known keeps it.
        let uri = &results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, &json!(path_uri(tracked.path.as_deref().unwrap())));
        assert_eq!(results[1]["properties"]["reachable"], true);
        let text = doc.to_string();
        assert!(
            !text.contains("git-blob:") && !text.contains("unknown"),
            "{text}"
        );
    }

    /// issue 14: a scan that could not run leaves a valid SARIF log that records the failure.
    #[test]
    fn issue14_failure_log_is_valid_and_records_the_error() {
        let doc = failure_value("cannot resolve revision 'nope'\x1b[31m", &opts());
        assert_eq!(errors(SARIF, &doc), Vec::<String>::new());
        let inv = &doc["runs"][0]["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        assert_eq!(inv["exitCode"], 2);
        let note = &inv["toolExecutionNotifications"][0];
        assert_eq!(note["level"], "error");
        let text = note["message"]["text"].as_str().unwrap();
        assert!(text.contains("cannot resolve revision 'nope'"), "{text}");
        assert!(
            !text.contains('\x1b'),
            "control characters are removed: {text:?}"
        );
        assert_eq!(doc["runs"][0]["results"], json!([]));
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
