//! `rolecall scan --repos DIR` (or `--repos-from FILE`): every repository of a fleet in one run.
//!
//! Repositories → (shard) → [`scan_fleet`] with the recorded state → policy (one `--config` for
//! the fleet, or `.rolecall.toml` at the fleet root; a baseline) → report → exit code (see
//! [`super::fleet_exit_code`]).

use super::fleet_exit_code;
use crate::detect::Detector;
use crate::error::{Error, Result};
use crate::exit::ExitCode;
use crate::finding::Severity;
use crate::policy::{Baseline, Config, Policy};
use crate::report::{write_report, Format, ReportOptions};
use crate::scan::fleet::{discover, scan_fleet, FleetOptions, FleetRepo, Shard, StateStore};
use crate::scan::ScanOptions;
use std::io::Write;
use std::path::PathBuf;

/// Which repositories a fleet run covers.
#[derive(Debug, Clone)]
pub enum FleetSource {
    /// Every repository under this folder (findings are named by their path relative to it).
    Folder(PathBuf),
    /// These repositories (named as the list wrote them).
    List(Vec<FleetRepo>),
}

/// A complete fleet run.
#[derive(Debug, Clone)]
pub struct FleetJob {
    /// The repositories.
    pub source: FleetSource,
    /// Only this shard of them.
    pub shard: Option<Shard>,
    /// The state folder for incremental runs.
    pub state: Option<PathBuf>,
    /// Output format.
    pub format: Format,
    /// Colour in human output.
    pub color: bool,
    /// Config file for the whole fleet (otherwise `.rolecall.toml` in the fleet folder, if any).
    pub config: Option<PathBuf>,
    /// Suppress findings recorded in this baseline.
    pub baseline: Option<PathBuf>,
    /// Write the reported findings' fingerprints to this baseline file.
    pub write_baseline: Option<PathBuf>,
    /// Overrides the config's `fail_on`.
    pub fail_on: Option<Severity>,
    /// Engine knobs (`threads` is the size of the one pool all repositories share).
    pub options: ScanOptions,
}

/// The repositories of `job` (after its shard), and the folders that could not be walked.
pub fn repositories(
    job: &FleetJob,
) -> Result<(Vec<FleetRepo>, Vec<crate::model::report::Skipped>)> {
    let (mut repos, skipped) = match &job.source {
        FleetSource::Folder(dir) => {
            let found = discover(dir)?;
            (found.repos, found.skipped)
        }
        FleetSource::List(list) => (list.clone(), Vec::new()),
    };
    if let Some(shard) = job.shard {
        repos.retain(|r| shard.contains(&r.name));
    }
    Ok((repos, skipped))
}

/// Runs a fleet job, writes the report to `out`, and returns the exit code.
pub fn run_fleet(job: &FleetJob, out: &mut dyn Write) -> Result<ExitCode> {
    let mut config = match (&job.config, &job.source) {
        (Some(path), _) => Config::load(path)?,
        (None, FleetSource::Folder(dir)) => Config::discover(dir)?,
        (None, FleetSource::List(_)) => Config::default(),
    };
    if let Some(sev) = job.fail_on {
        config.fail_on = sev;
    }
    let baseline = job.baseline.as_deref().map(Baseline::load).transpose()?;
    let policy = Policy::new(&config, baseline.as_ref())?;
    let state = job.state.as_deref().map(StateStore::open).transpose()?;
    let (repos, walk_skipped) = repositories(job)?;
    let opts = FleetOptions {
        scan: job.options.clone(),
        state,
        ..FleetOptions::default()
    };
    let mut report = scan_fleet(&repos, Detector::shared(), &opts)?;
    report.skipped.extend(walk_skipped);
    report.skipped.sort_by(|a, b| a.what.cmp(&b.what));
    let (kept, suppressed) = policy.apply(std::mem::take(&mut report.findings));
    report.findings = kept;
    report.stats.suppressed += suppressed;
    if let Some(path) = &job.write_baseline {
        Baseline::from_findings(&report.findings).write(path)?;
    }
    let opts = ReportOptions {
        color: job.color,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    write_report(job.format, &report, out, &opts)?;
    out.flush().map_err(Error::from)?;
    Ok(fleet_exit_code(&policy, &report))
}
