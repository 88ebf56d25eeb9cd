//! Report formats: how a [`ScanReport`] is written for people, programs and CI systems.
//!
//! Every format writes only what a [`Finding`] holds: the redacted value and the fingerprint,
//! never a whole secret. [`write_report`] writes a whole report in one [`Format`];
//! [`write_finding_jsonl`] writes one finding as a JSON line so that a scan can stream.
//!
//! | format   | what it is                                                              |
//! |----------|-------------------------------------------------------------------------|
//! | `human`  | plain text (ANSI colour only when asked), reads well after `remote: `   |
//! | `json`   | one document `{"version": 1, "findings", "stats", "skipped"}`           |
//! | `jsonl`  | one finding per line                                                    |
//! | `sarif`  | SARIF 2.1.0 for GitHub code scanning and other SARIF viewers            |
//! | `github` | GitHub Actions workflow commands (`::error file=…,line=…::…`)           |
//! | `junit`  | JUnit XML, one failing testcase per finding                             |
//! | `html`   | one self-contained page: credentials to rotate, accounts, repositories  |
//! | `gitlab` | GitLab's secret-detection report (`artifacts:reports:secret_detection`)  |
//!
//! A scan that cannot run still leaves a valid document in the formats that are one
//! ([`write_failure`]: `json`, `sarif`, `gitlab`), never an empty file.

mod ci;
mod gitlab;
mod html;
mod human;
mod json;
pub mod redact;
mod sarif;
#[cfg(test)]
mod schema_check;
pub mod summary;

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::model::report::ScanReport;
use std::fmt;
use std::io::Write;

pub use json::{write_finding_jsonl, JSON_VERSION};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Human-readable text (the default).
    Human,
    /// One JSON document.
    Json,
    /// JSON lines: one finding per line.
    Jsonl,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions workflow-command annotations.
    Github,
    /// JUnit XML.
    Junit,
    /// One self-contained HTML page (fleet summary tables, timeline, every finding).
    Html,
    /// GitLab's secret-detection report.
    Gitlab,
}

impl Format {
    /// Every format, in the order they are documented.
    pub const ALL: [Format; 8] = [
        Format::Human,
        Format::Json,
        Format::Jsonl,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Html,
        Format::Gitlab,
    ];

    /// The name used on the command line and in config files.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
            Format::Html => "html",
            Format::Gitlab => "gitlab",
        }
    }

    /// Parses a format name (case-insensitive); the error lists the valid names.
    pub fn parse(name: &str) -> Result<Format> {
        let lower = name.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == lower)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                Error::input(format!(
                    "unknown output format '{name}' (expected one of: {})",
                    names.join(", ")
                ))
            })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Format> {
        Format::parse(s)
    }
}

/// Options that change how a report is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// Use ANSI colours (human format only). Callers set it when stdout is a terminal.
    pub color: bool,
    /// The rolecall version written into SARIF and JUnit output.
    pub tool_version: String,
}

impl Default for ReportOptions {
    fn default() -> ReportOptions {
        ReportOptions {
            color: false,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// Writes `report` to `out` in `format`.
pub fn write_report(
    format: Format,
    report: &ScanReport,
    out: &mut dyn Write,
    opts: &ReportOptions,
) -> Result<()> {
    let report = &*redact::redact_report(report);
    match format {
        Format::Human => human::write(report, out, opts),
        Format::Json => json::write_json(report, out),
        Format::Jsonl => json::write_jsonl(report, out),
        Format::Sarif => sarif::write(report, out, opts),
        Format::Github => ci::write_github(report, out),
        Format::Junit => ci::write_junit(report, out, opts),
        Format::Html => html::write(report, out, opts),
        Format::Gitlab => gitlab::write(report, out, opts),
    }?;
    out.flush()?;
    Ok(())
}

/// Writes the document of a scan that could not run (it then exits 2) in the formats that are a
/// single document, so that a CI step that reads or uploads the file finds a valid one that
/// records the failure: SARIF (`executionSuccessful: false` and an `error` notification), GitLab
/// (`status: failure` and a `fatal` message), JSON (`"error"` beside empty findings). Returns
/// `false`, writing nothing, for the other formats (their readers get the error on stderr).
pub fn write_failure(
    format: Format,
    message: &str,
    out: &mut dyn Write,
    opts: &ReportOptions,
) -> Result<bool> {
    let message = &*redact::redact_text(message);
    match format {
        Format::Sarif => sarif::write_failure(message, out, opts)?,
        Format::Gitlab => gitlab::write_failure(message, out, opts)?,
        Format::Json => {
            let doc = serde_json::json!({
                "version": json::JSON_VERSION,
                "error": clean(message),
                "findings": [],
                "stats": crate::model::report::Stats::default(),
                "skipped": [],
            });
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(json::json_error)?;
            writeln!(out)?;
        }
        Format::Human | Format::Jsonl | Format::Github | Format::Junit | Format::Html => {
            return Ok(false)
        }
    }
    out.flush()?;
    Ok(true)
}

/// The 7-character short form of a commit id.
fn short_id(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// A byte count in human units (`512 B`, `1.5 KiB`, `3.2 GiB`).
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Replaces control characters (terminal escapes, newlines) in text that came from a repository
/// (paths, author names, commit summaries) so that it cannot break a line-based format or drive a
/// terminal.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// The finding's partner (key ID ↔ secret) in the same report, if it was reported: the one in
/// the same repository and commit when there are several (a fleet).
fn partner<'a>(report: &'a ScanReport, finding: &Finding) -> Option<&'a Finding> {
    let pair = finding.pair.as_deref()?;
    report
        .findings
        .iter()
        .filter(|f| f.fingerprint == pair)
        .min_by_key(|f| (f.repo != finding.repo, f.commit != finding.commit))
}

/// Counts of findings per severity, most severe first, for summaries: `1 critical, 2 medium`.
fn severity_counts(findings: &[Finding]) -> String {
    use crate::finding::Severity;
    let mut parts = Vec::new();
    for sev in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ] {
        let n = findings.iter().filter(|f| f.severity == sev).count();
        if n > 0 {
            parts.push(format!("{n} {sev}"));
        }
    }
    parts.join(", ")
}

#[cfg(test)]
pub(crate) mod fixture;

#[cfg(test)]
mod tests {
    use super::fixture::{sample_report, Sample};
    use super::*;

    fn render(format: Format, report: &ScanReport, color: bool) -> String {
        let mut out = Vec::new();
        let opts = ReportOptions {
            color,
            tool_version: "0.1.0-test".into(),
        };
        write_report(format, report, &mut out, &opts).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn assert_safe(sample: &Sample, text: &str) {
        for value in &sample.values {
            assert!(
                !text.contains(value.as_str()),
                "output holds a whole generated value:\n{text}"
            );
        }
    }

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.as_str()).unwrap(), f);
            assert_eq!(f.to_string().parse::<Format>().unwrap(), f);
        }
        assert_eq!(Format::parse(" SARIF ").unwrap(), Format::Sarif);
        let err = Format::parse("xml").unwrap_err().to_string();
        assert!(err.contains("'xml'") && err.contains("junit"), "{err}");
    }

    #[test]
    fn no_format_contains_a_whole_value() {
        let sample = sample_report();
        assert!(sample.values.len() >= 5);
        for format in Format::ALL {
            for color in [false, true] {
                let text = render(format, &sample.report, color);
                // Each format shows the redacted values instead (JSONL and SARIF escape nothing
                // in them; `…` is written as is).
                assert!(
                    text.contains("AKIA…"),
                    "{format}: no redacted key ID:\n{text}"
                );
                assert_safe(&sample, &text);
            }
        }
        let mut line = Vec::new();
        write_finding_jsonl(&sample.report.findings[1], &mut line).unwrap();
        assert_safe(&sample, &String::from_utf8(line).unwrap());
    }

    #[test]
    fn stored_snapshots_hold_no_whole_value() {
        let sample = sample_report();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        for dir in ["src/report/snapshots", "src/policy/snapshots"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for entry in entries {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                assert_safe(&sample, &text);
                checked += 1;
            }
        }
        assert!(checked >= 7, "the snapshots were not found ({checked})");
    }

    #[test]
    fn snapshot_human() {
        let sample = sample_report();
        let text = render(Format::Human, &sample.report, false);
        assert!(!text.contains('\x1b'), "no colour unless asked");
        insta::assert_snapshot!("human", text);
    }

    #[test]
    fn human_colour_only_when_asked() {
        let sample = sample_report();
        let coloured = render(Format::Human, &sample.report, true);
        assert!(coloured.contains("\x1b[1;31mCRITICAL"), "{coloured}");
        let plain: String = strip_ansi(&coloured);
        assert_eq!(plain, render(Format::Human, &sample.report, false));
    }

    fn strip_ansi(s: &str) -> String {
        let re = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
        re.replace_all(s, "").into_owned()
    }

    #[test]
    fn snapshot_human_clean() {
        let mut report = sample_report().report;
        report.findings.clear();
        report.skipped.clear();
        insta::assert_snapshot!("human_clean", render(Format::Human, &report, false));
    }

    #[test]
    fn snapshot_json() {
        let sample = sample_report();
        let text = render(Format::Json, &sample.report, false);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["version"], 1);
        assert_eq!(
            doc["findings"].as_array().unwrap().len(),
            sample.report.findings.len()
        );
        assert_eq!(doc["stats"]["blobs"], sample.report.stats.blobs);
        assert_eq!(doc["skipped"][0]["what"], sample.report.skipped[0].what);
        insta::assert_snapshot!("json", text);
    }

    #[test]
    fn snapshot_jsonl() {
        let sample = sample_report();
        let text = render(Format::Jsonl, &sample.report, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), sample.report.findings.len());
        for (line, finding) in lines.iter().zip(&sample.report.findings) {
            let back: Finding = serde_json::from_str(line).unwrap();
            assert_eq!(&back, finding);
        }
        insta::assert_snapshot!("jsonl", text);
    }

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn clean_removes_control_characters() {
        assert_eq!(clean("a\x1b[31mb\nc"), "a\u{FFFD}[31mb\u{FFFD}c");
    }
}
