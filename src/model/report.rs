//! What every scan produces, whatever its source: a [`ScanReport`] holds the findings, the
//! counters and what could not be scanned. It lives beside the finding model so that reports,
//! the hook and fleet jobs read it without importing the scanning engine.

use super::finding::Finding;
use serde::{Deserialize, Serialize};

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
    /// Fleet scans: repositories in the run (after `--shard`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repos: Option<u64>,
    /// Fleet scans: repositories whose objects were read in this run (the others were
    /// unchanged since the recorded state, or could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repos_scanned: Option<u64>,
    /// Fleet scans: repositories with nothing new since the recorded state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repos_unchanged: Option<u64>,
    /// Fleet scans: repositories that could not be read (listed in `skipped`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repos_skipped: Option<u64>,
    /// Fleet scans: blobs read and scanned in this run (the same count as `blobs`, under the
    /// name fleet tooling reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blobs_scanned: Option<u64>,
    /// Fleet scans: objects not read again because the recorded state says they were scanned
    /// with the same rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects_known: Option<u64>,
}

impl Stats {
    /// Adds `other`'s counters to these (fleet counters too; seconds add up).
    pub fn add(&mut self, other: &Stats) {
        fn sum(a: &mut Option<u64>, b: Option<u64>) {
            if let Some(b) = b {
                *a = Some(a.unwrap_or(0) + b);
            }
        }
        self.objects += other.objects;
        self.blobs += other.blobs;
        self.messages += other.messages;
        self.bytes += other.bytes;
        self.suppressed += other.suppressed;
        self.seconds += other.seconds;
        sum(&mut self.repos, other.repos);
        sum(&mut self.repos_scanned, other.repos_scanned);
        sum(&mut self.repos_unchanged, other.repos_unchanged);
        sum(&mut self.repos_skipped, other.repos_skipped);
        sum(&mut self.blobs_scanned, other.blobs_scanned);
        sum(&mut self.objects_known, other.objects_known);
    }
}

/// Something that was not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The object id or path.
    pub what: String,
    /// Why it was skipped.
    pub reason: String,
}

impl ScanReport {
    /// Adds another report's findings, counters and skipped items to this one.
    pub fn merge(&mut self, other: ScanReport) {
        self.findings.extend(other.findings);
        self.skipped.extend(other.skipped);
        self.stats.add(&other.stats);
    }
}
