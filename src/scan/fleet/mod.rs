//! Fleet scans: every repository of a git server or an organisation in one run, on one pool of
//! workers, optionally incremental (`--state`) and split across machines (`--shard`).
//!
//! - [`discover`] finds the repositories under a folder; [`from_list`] reads a list of them.
//! - [`Shard`] keeps the repositories of one shard (a stable hash of each one's name).
//! - [`scan_fleet`] scans them: [`StateStore`] tells what was scanned before, the scheduler
//!   shares the workers among repositories, and every finding carries its repository's name
//!   (`repo`) and whether an earlier run reported it (`known`).
//!
//! Which findings stay open: a finding is reported while the object holding it (its blob, or
//! the commit whose message holds it) is still in the repository's object store, reachable or
//! not, because a server hands unreachable objects to anyone who asks for their id until `git
//! gc` prunes them, and a full-history scan reports them too. Once the object is pruned (history
//! rewritten and garbage-collected), the finding is closed: the next run drops it from the
//! report and the state. Either way the key itself stays valid until it is rotated.

pub mod discover;
pub mod inventory;
mod repo;
mod schedule;
pub mod shard;
pub mod state;

pub use discover::{discover, from_list, Discovery, FleetRepo};
pub use repo::{finding_key, FindingKey};
pub use shard::Shard;
pub use state::StateStore;

use super::{ScanOptions, ScanReport};
use crate::detect::Detector;
use crate::error::Result;
use crate::finding::Finding;
use crate::model::report::Stats;
use repo::RepoStatus;
use schedule::{Fleet, FleetProgress};
use std::time::Instant;

/// Knobs of a fleet scan.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// The engine's knobs (`threads` is the size of the shared pool; `progress` shows a bar
    /// across repositories).
    pub scan: ScanOptions,
    /// Where to read and record what was scanned (`None`: scan everything, record nothing).
    pub state: Option<StateStore>,
    /// A repository with more objects to read than this is split into chunks of this many,
    /// spread over the workers ([`DEFAULT_CHUNK`]).
    pub chunk: usize,
}

/// Objects per task: large enough that opening a repository handle per chunk costs nothing
/// next to reading it, small enough to spread one large repository over every core.
pub const DEFAULT_CHUNK: usize = 4096;

impl Default for FleetOptions {
    fn default() -> FleetOptions {
        FleetOptions {
            scan: ScanOptions::default(),
            state: None,
            chunk: DEFAULT_CHUNK,
        }
    }
}

/// Scans `repos` and returns one report: findings with `repo` set (and `known` for those an
/// earlier run reported), sorted by [`sort_findings`]; unreadable repositories and objects in
/// `skipped` (named `<repo>` or `<repo>: <object>`); fleet counters in `stats`.
pub fn scan_fleet(
    repos: &[FleetRepo],
    detector: &Detector,
    opts: &FleetOptions,
) -> Result<ScanReport> {
    let started = Instant::now();
    crate::git::tune_libgit2();
    trust_repository_owners();
    let fleet = Fleet {
        repos,
        detector,
        opts: &opts.scan,
        store: opts.state.as_ref(),
        chunk: opts.chunk.max(1),
        progress: FleetProgress::new(opts.scan.progress, repos.len() as u64),
    };
    let plans = fleet.plan_all();
    let outcomes = fleet.run(plans)?;
    let mut report = ScanReport::default();
    let (mut scanned, mut unchanged, mut unreadable, mut known) = (0, 0, 0, 0);
    for outcome in outcomes {
        match outcome.status {
            RepoStatus::Scanned => scanned += 1,
            RepoStatus::Unchanged => unchanged += 1,
            RepoStatus::Unreadable => unreadable += 1,
        }
        known += outcome.known_objects;
        report.findings.extend(outcome.findings);
        report.skipped.extend(outcome.skipped);
        report.stats.add(&outcome.stats);
    }
    sort_findings(&mut report.findings);
    report.skipped.sort_by(|a, b| a.what.cmp(&b.what));
    report.stats = Stats {
        seconds: started.elapsed().as_secs_f64(),
        repos: Some(repos.len() as u64),
        repos_scanned: Some(scanned),
        repos_unchanged: Some(unchanged),
        repos_skipped: Some(unreadable),
        blobs_scanned: Some(report.stats.blobs),
        objects_known: Some(known),
        ..report.stats
    };
    Ok(report)
}

/// A fleet scan runs as its own user over repositories that belong to the git server's user
/// (`git`, `gitlab`, a pod's volume): libgit2 would refuse every one of them ("not owned by
/// current user", git's `safe.directory` check). That check protects against running commands
/// a repository's config names (hooks, fsmonitor); rolecall reads objects and runs nothing from
/// a repository, so a fleet scan turns it off for the process.
fn trust_repository_owners() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sets a libgit2 global once, before any worker thread opens a repository.
        let _ = unsafe { git2::opts::set_verify_owner_validation(false) };
    });
}

/// The order of fleet reports (and of `rolecall merge`): by repository, then as a single
/// repository's findings (introduction date, commit, path, line, column, kind), then by
/// fingerprint, so that equal inputs give byte-identical reports.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.repo
            .cmp(&b.repo)
            .then_with(|| a.date.cmp(&b.date))
            .then_with(|| a.commit.cmp(&b.commit))
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.line.cmp(&b.line))
            .then_with(|| a.column.cmp(&b.column))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.blob.cmp(&b.blob))
    });
}
