//! The `json` and `jsonl` formats: the [`Finding`] serde form, nothing added, nothing secret.

use super::summary::{is_fleet, Summary};
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::model::report::{ScanReport, Skipped, Stats};
use serde::Serialize;
use std::io::Write;

/// The version of the JSON document layout.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: &'a [Finding],
    stats: &'a Stats,
    skipped: &'a [Skipped],
    /// Fleet scans only: findings summed up per credential, repository and account.
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Summary>,
}

pub(super) fn json_error(e: serde_json::Error) -> Error {
    if e.is_io() {
        Error::from(std::io::Error::from(e))
    } else {
        Error::input(format!("cannot serialise the report: {e}"))
    }
}

/// Writes one JSON document: `{"version": 1, "findings": [...], "stats": {...}, "skipped": [...]}`.
pub(super) fn write_json(report: &ScanReport, out: &mut dyn Write) -> Result<()> {
    let doc = Document {
        version: JSON_VERSION,
        findings: &report.findings,
        stats: &report.stats,
        skipped: &report.skipped,
        summary: is_fleet(report).then(|| Summary::of(&report.findings)),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(json_error)?;
    writeln!(out)?;
    Ok(())
}

/// Writes every finding as one JSON line.
pub(super) fn write_jsonl(report: &ScanReport, out: &mut dyn Write) -> Result<()> {
    for f in &report.findings {
        write_finding_jsonl(f, out)?;
    }
    Ok(())
}

/// Writes one finding as a single JSON line (with its newline), so that a scan can stream
/// findings as it attributes them.
pub fn write_finding_jsonl(finding: &Finding, out: &mut dyn Write) -> Result<()> {
    let mut finding = finding.clone();
    super::redact::redact_finding(&mut finding);
    serde_json::to_writer(&mut *out, &finding).map_err(json_error)?;
    writeln!(out)?;
    Ok(())
}
