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
        let (a, b) = (&mut self.stats, other.stats);
        a.objects += b.objects;
        a.blobs += b.blobs;
        a.messages += b.messages;
        a.bytes += b.bytes;
        a.suppressed += b.suppressed;
        a.seconds += b.seconds;
    }
}
