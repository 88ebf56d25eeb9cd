//! Git sources: the whole object store (full-history scan) or an explicit set of new objects
//! (a push, a range). Each unique object is read once; only blobs that matched are attributed.

use super::objects::{scan_objects, HitObject, ReadOutcome};
use super::{assemble, ScanOptions, ScanReport, Skipped};
use crate::detect::Detector;
use crate::error::Result;
use crate::git::{attribute, objects, RepoOpener};
use git2::{Oid, Repository};
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
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for dir in objects::object_dirs(&repo.path().join("objects")) {
        ids.extend(objects::list_objects(&dir, &mut seen)?);
    }
    let mut report = scan_object_set(repo, opener, &ids, None, detector, opts)?;
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

/// Scans exactly `ids` (blobs, commits, tags; trees are skipped). Matches in blobs are attributed
/// to the commits among `commits` (or, when `None`, among the commits found in `ids`).
pub fn scan_object_set(
    repo: &Repository,
    opener: &RepoOpener,
    ids: &[Oid],
    commits: Option<&[Oid]>,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ScanReport> {
    let started = Instant::now();
    let outcome = scan_objects(opener, ids, detector, opts)?;
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
    let (findings, suppressed) = assemble::assemble_git(repo, &outcome.hits, &intros);
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
