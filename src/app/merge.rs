//! `rolecall merge FILE…`: one report from the JSON reports of a sharded fleet run (or of any
//! runs): findings deduplicated by fingerprint and place (repository, source, path, line,
//! column, commit, blob), sorted in the fleet order, skipped items deduplicated, counters added
//! up (seconds: the slowest input, as shards run side by side), written in any format.

use super::fleet_exit_code;
use crate::error::{Error, Result};
use crate::exit::ExitCode;
use crate::finding::{Finding, Severity};
use crate::model::report::{ScanReport, Skipped, Stats};
use crate::policy::{Config, Policy};
use crate::report::{write_report, Format, ReportOptions};
use crate::scan::fleet::{finding_key, sort_findings};
use serde::Deserialize;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The JSON document layout `merge` reads (the `json` format's; its `summary` is recomputed).
#[derive(Deserialize)]
struct Document {
    version: u32,
    findings: Vec<Finding>,
    stats: Stats,
    skipped: Vec<Skipped>,
}

/// A merge run.
#[derive(Debug, Clone)]
pub struct MergeJob {
    /// The JSON reports to combine.
    pub inputs: Vec<PathBuf>,
    /// Output format.
    pub format: Format,
    /// Colour in human output.
    pub color: bool,
    /// Findings at or above this severity make the exit code 1 (default: low).
    pub fail_on: Option<Severity>,
}

/// Reads one JSON report.
pub fn read_report(path: &Path) -> Result<ScanReport> {
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let doc: Document = serde_json::from_slice(&text).map_err(|e| {
        Error::input(format!(
            "{}: not a rolecall JSON report (write shard outputs with --format json): {e}",
            path.display()
        ))
    })?;
    if doc.version != crate::report::JSON_VERSION {
        return Err(Error::input(format!(
            "{}: JSON report version {} (this rolecall reads version {})",
            path.display(),
            doc.version,
            crate::report::JSON_VERSION
        )));
    }
    Ok(ScanReport {
        findings: doc.findings,
        stats: doc.stats,
        skipped: doc.skipped,
    })
}

/// Combines reports: see the module documentation.
pub fn merge_reports(reports: Vec<ScanReport>) -> ScanReport {
    let mut merged = ScanReport::default();
    let mut seen_findings = HashSet::new();
    let mut seen_skipped = HashSet::new();
    let mut seconds: f64 = 0.0;
    for report in reports {
        seconds = seconds.max(report.stats.seconds);
        merged.stats.add(&report.stats);
        merged.findings.extend(
            report
                .findings
                .into_iter()
                .filter(|f| seen_findings.insert(finding_key(f))),
        );
        merged.skipped.extend(
            report
                .skipped
                .into_iter()
                .filter(|s| seen_skipped.insert((s.what.clone(), s.reason.clone()))),
        );
    }
    merged.stats.seconds = seconds;
    sort_findings(&mut merged.findings);
    merged
        .skipped
        .sort_by(|a, b| a.what.cmp(&b.what).then_with(|| a.reason.cmp(&b.reason)));
    merged
}

/// Runs a merge job, writes the report to `out`, and returns the exit code (as a fleet scan's).
pub fn run_merge(job: &MergeJob, out: &mut dyn Write) -> Result<ExitCode> {
    if job.inputs.is_empty() {
        return Err(Error::input("merge needs at least one JSON report"));
    }
    let reports = job
        .inputs
        .iter()
        .map(|p| read_report(p))
        .collect::<Result<Vec<_>>>()?;
    let report = merge_reports(reports);
    let mut config = Config::default();
    if let Some(sev) = job.fail_on {
        config.fail_on = sev;
    }
    let policy = Policy::new(&config, None)?;
    let opts = ReportOptions {
        color: job.color,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    write_report(job.format, &report, out, &opts)?;
    out.flush().map_err(Error::from)?;
    Ok(fleet_exit_code(&policy, &report))
}
