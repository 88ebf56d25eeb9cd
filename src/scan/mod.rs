//! The scanning engine: sources (history, range, push, files) → unique blobs → detector →
//! findings. See [`ScanReport`] for what every source produces.

pub mod assemble;
pub mod files;
pub mod fleet;
pub mod history;
pub mod incremental;
pub mod job;
pub mod objects;
pub mod progress;
pub mod pushed;
pub mod range;
pub mod staged;
pub mod stream;

use crate::detect::Detector;
use crate::error::Result;
use crate::git::RepoOpener;
pub use crate::model::report::{ScanReport, Skipped, Stats};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

/// Knobs shared by every scan source.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Blobs larger than this many bytes are skipped (and reported as skipped). Blobs too large
    /// to hold in memory but under this limit are scanned as a stream, in bounded chunks.
    pub max_blob_size: u64,
    /// Scan every blob whole, never a delta by what it adds (the reference path that the
    /// incremental one must equal).
    pub whole_blobs: bool,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Stop (and report a timeout) at this instant.
    pub deadline: Option<Instant>,
    /// Set to true from another thread to stop the scan.
    pub cancel: Arc<AtomicBool>,
    /// Show a progress bar on stderr (only when stderr is a terminal).
    pub progress: bool,
    /// Honour the inline `rolecall:allow` marker (the hook turns it off unless its policy says
    /// `inline_allow = true`).
    pub inline_allow: bool,
    /// Also scan the entry names of the selected trees (a file or folder named after a key): the
    /// hook reads every name a push adds. Their findings have [`Source::TreeEntry`](crate::finding::Source).
    pub tree_names: bool,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            max_blob_size: u64::MAX,
            whole_blobs: false,
            threads: 0,
            deadline: None,
            cancel: Arc::new(AtomicBool::new(false)),
            progress: false,
            inline_allow: true,
            tree_names: false,
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
