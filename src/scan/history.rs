//! Git sources: the whole object store (full-history scan) or an explicit set of new objects
//! (a push, a range). Each unique object is read once; only blobs that matched are attributed.

use super::objects::{scan_objects, HitObject, ReadOutcome};
use super::{assemble, ScanOptions, ScanReport, Skipped};
use crate::detect::Detector;
use crate::error::Result;
use crate::git::store::{ObjectStore, Selection};
use crate::git::{attribute, RepoOpener};
use git2::{Oid, Repository};
use gix_hash::ObjectId;
use std::collections::HashSet;
use std::time::Instant;

/// Scans every object in the repository's object store (and its alternates): every blob of every
/// ref, stash, notes and remote-tracking branch, plus every commit and annotated-tag message.
/// Unreachable objects are scanned too (they are reported without a commit).
pub fn scan_history(
    repo: &Repository,
    opener: &RepoOpener,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ScanReport> {
    let started = Instant::now();
    crate::git::store::check_loose_streams(&repo.path().join("objects"))?;
    let store = ObjectStore::for_opener(opener, repo.path())?;
    let mut report = scan_store(repo, opener, &store, Selection::All, None, detector, opts)?;
    report.skipped.extend(shallow_note(repo));
    report.stats.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// What a history scan of a shallow clone reports as not scanned (`None` for a full clone).
pub fn shallow_note(repo: &Repository) -> Option<Skipped> {
    repo.is_shallow().then(|| Skipped {
        what: "history".into(),
        reason: "the repository is a shallow clone: history before its boundary was not scanned \
                 (run `git fetch --unshallow` to scan all of it)"
            .into(),
    })
}

/// Scans exactly `ids` (blobs, commits, tags; trees are skipped), read from the object store
/// `opener` sees. Matches in blobs are attributed to the commits among `commits` (or, when
/// `None`, among the commits found in `ids`).
pub fn scan_object_set(
    repo: &Repository,
    opener: &RepoOpener,
    ids: &[Oid],
    commits: Option<&[Oid]>,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ScanReport> {
    let store = ObjectStore::for_opener(opener, repo.path())?;
    let ids: Vec<ObjectId> = ids.iter().map(|id| to_object_id(*id)).collect();
    scan_store(
        repo,
        opener,
        &store,
        Selection::Ids(&ids),
        commits,
        detector,
        opts,
    )
}

/// gitoxide's id for a git2 id.
pub fn to_object_id(id: Oid) -> ObjectId {
    ObjectId::from_bytes_or_panic(id.as_bytes())
}

/// Scans the `selection` of `store` and attributes matched blobs (see [`scan_object_set`]).
pub fn scan_store(
    repo: &Repository,
    opener: &RepoOpener,
    store: &ObjectStore,
    selection: Selection<'_>,
    commits: Option<&[Oid]>,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ScanReport> {
    let started = Instant::now();
    let outcome = scan_objects(store, selection, detector, opts)?;
    let mut report = report_outcome(repo, opener, outcome, commits, opts)?;
    report.stats.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The second half of [`scan_object_set`], for callers that read a set of ids in several parts
/// (a fleet scan spreads one large repository over a shared pool of workers): attributes the
/// blob hits of the merged `outcome` to the commits among `commits` (or, when `None`, among the
/// commits the outcome saw) and builds the findings.
pub fn report_outcome(
    repo: &Repository,
    opener: &RepoOpener,
    outcome: ReadOutcome,
    commits: Option<&[Oid]>,
    opts: &ScanOptions,
) -> Result<ScanReport> {
    let started = Instant::now();
    let wanted: HashSet<Oid> = outcome
        .hits
        .iter()
        .filter(|h| h.object == HitObject::Blob)
        .map(|h| h.id)
        .collect();
    let commit_list = commits.unwrap_or(&outcome.commits);
    let intros = attribute::introductions(opener, commit_list, &wanted, opts.threads)?;
    let (mut findings, suppressed) =
        assemble::assemble_git(repo, &outcome.hits, &intros, opts.inline_allow);
    // A whole-store scan also sees what no ref reaches any more; a range, a push or a hook's
    // quarantine names its commits (new pushes are not on a ref yet), so they stay reachable.
    if commits.is_none() && !findings.is_empty() {
        if let Some(reached) = attribute::reached(repo) {
            assemble::mark_reachable(&mut findings, &reached);
        }
    }
    let mut stats = outcome.stats;
    stats.suppressed = suppressed;
    stats.seconds = started.elapsed().as_secs_f64();
    let mut skipped = outcome.skipped;
    skipped.sort_by(|a, b| a.what.cmp(&b.what));
    Ok(ScanReport {
        findings,
        stats,
        skipped,
    })
}
