//! The scanning engine: sources (history, range, push, files) → unique blobs → detector →
//! findings. See [`ScanReport`] for what every source produces.

pub mod assemble;
pub mod files;
pub mod history;
pub mod job;
pub mod progress;
pub mod range;
pub mod staged;

use crate::detect::Detector;
use crate::error::Result;
use crate::finding::Finding;
use crate::git::RepoOpener;
use serde::{Deserialize, Serialize};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

/// What a scan produced: findings (already filtered by policy) plus statistics and what was
/// skipped.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanReport {
    /// Reported findings, sorted by commit date, path, line.
    pub findings: Vec<Finding>,
    /// Counters.
    pub stats: Stats,
    /// Objects or files that could not be scanned (the scan is then incomplete).
    pub skipped: Vec<Skipped>,
}

impl ScanReport {
    /// Whether anything was skipped, so that a clean result is not a proof.
    pub fn incomplete(&self) -> bool {
        !self.skipped.is_empty()
    }
}

/// Scan counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Objects enumerated (history scans) or files visited.
    pub objects: u64,
    /// Unique blobs (or files) scanned.
    pub blobs: u64,
    /// Commit and tag messages scanned.
    pub messages: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings suppressed by an inline marker, config or baseline.
    pub suppressed: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Something that was not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The object id or path.
    pub what: String,
    /// Why it was skipped.
    pub reason: String,
}

/// Knobs shared by every scan source.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Blobs larger than this many bytes are skipped (and reported as skipped).
    pub max_blob_size: u64,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Stop (and report a timeout) at this instant.
    pub deadline: Option<Instant>,
    /// Set to true from another thread to stop the scan.
    pub cancel: Arc<AtomicBool>,
    /// Show a progress bar on stderr (only when stderr is a terminal).
    pub progress: bool,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            max_blob_size: 256 * 1024 * 1024,
            threads: 0,
            deadline: None,
            cancel: Arc::new(AtomicBool::new(false)),
            progress: false,
        }
    }
}

/// Scans an open repository's whole history (and, with `worktree`, its uncommitted files).
pub fn run_with_repo(
    repo: &git2::Repository,
    worktree: bool,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ScanReport> {
    let opener = RepoOpener::Path(repo.path().to_path_buf());
    let mut report = history::scan_history(repo, &opener, detector, opts)?;
    if worktree {
        let extra = files::scan_worktree(repo, detector, opts)?;
        report.merge(extra);
    }
    Ok(report)
}

impl ScanReport {
    /// Adds another report's findings, counters and skipped items to this one.
    pub fn merge(&mut self, other: ScanReport) {
        self.findings.extend(other.findings);
        self.skipped.extend(other.skipped);
        let (a, b) = (&mut self.stats, other.stats);
        a.objects += b.objects;
        a.blobs += b.blobs;
        a.messages += b.messages;
        a.bytes += b.bytes;
        a.suppressed += b.suppressed;
        a.seconds += b.seconds;
    }
}
