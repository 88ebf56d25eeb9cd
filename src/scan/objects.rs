//! Scanning git objects: the [`Visitor`] that runs the detector on each blob and on each commit
//! and tag message the git layer reads, keeping only the objects with matches.

use super::progress::Progress;
use super::ScanOptions;
use crate::detect::{Detector, Match};
use crate::error::Result;
use crate::git::visit::{visit_objects, ObjectKind, ReadLimits, Visit, Visitor};
use crate::git::{parse_raw_message, RepoOpener, Signature};
use crate::model::report::{Skipped, Stats};
use git2::Oid;
use std::sync::atomic::{AtomicU64, Ordering};

/// What kind of object a hit is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HitObject {
    /// A blob (file contents).
    Blob,
    /// A commit; the matches are in its message.
    Commit(Option<Signature>),
    /// An annotated tag; the matches are in its message.
    Tag(Option<Signature>),
}

/// An object in which the detector found something.
#[derive(Debug, Clone)]
pub struct ObjectHit {
    /// The object id.
    pub id: Oid,
    /// What it is.
    pub object: HitObject,
    /// What was found (positions relative to the blob, or to the message).
    pub matches: Vec<Match>,
}

/// Everything a parallel scan of objects produced.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Objects with matches, sorted by id.
    pub hits: Vec<ObjectHit>,
    /// Counters (objects, blobs, messages, bytes).
    pub stats: Stats,
    /// Objects that could not be read or were too large.
    pub skipped: Vec<Skipped>,
    /// Ids of the commits seen (for attribution of history scans).
    pub commits: Vec<Oid>,
}

/// One worker's share of a scan.
#[derive(Default)]
pub struct WorkerOut {
    hits: Vec<ObjectHit>,
    skipped: Vec<Skipped>,
    commits: Vec<Oid>,
}

/// Runs the detector on what the git layer reads.
struct ScanVisitor<'d> {
    detector: &'d Detector,
    max_size: u64,
    blobs: AtomicU64,
    messages: AtomicU64,
    bytes: AtomicU64,
}

impl Visitor for ScanVisitor<'_> {
    type Out = WorkerOut;

    fn wants(&self, kind: ObjectKind) -> bool {
        kind != ObjectKind::Tree
    }

    fn visit(&self, out: &mut WorkerOut, visit: Visit<'_>) {
        match visit {
            Visit::Object { id, kind, data } => {
                self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
                if let Some(hit) = self.scan_object(out, id, kind, data) {
                    out.hits.push(hit);
                }
            }
            Visit::TooLarge { id, size, .. } => out.skipped.push(Skipped {
                what: id.to_string(),
                reason: format!(
                    "blob of {} bytes is over the {}-byte limit (--max-blob-size)",
                    size, self.max_size
                ),
            }),
            Visit::Unreadable { id, reason } => out.skipped.push(Skipped {
                what: id.to_string(),
                reason,
            }),
        }
    }
}

impl ScanVisitor<'_> {
    fn scan_object(
        &self,
        out: &mut WorkerOut,
        id: Oid,
        kind: ObjectKind,
        data: &[u8],
    ) -> Option<ObjectHit> {
        match kind {
            ObjectKind::Blob => {
                self.blobs.fetch_add(1, Ordering::Relaxed);
                let matches = self.detector.scan(data).matches;
                (!matches.is_empty()).then_some(ObjectHit {
                    id,
                    object: HitObject::Blob,
                    matches,
                })
            }
            ObjectKind::Commit => {
                out.commits.push(id);
                self.messages.fetch_add(1, Ordering::Relaxed);
                scan_message(self.detector, data, "author").map(|(sig, matches)| ObjectHit {
                    id,
                    object: HitObject::Commit(sig),
                    matches,
                })
            }
            ObjectKind::Tag => {
                self.messages.fetch_add(1, Ordering::Relaxed);
                scan_message(self.detector, data, "tagger").map(|(sig, matches)| ObjectHit {
                    id,
                    object: HitObject::Tag(sig),
                    matches,
                })
            }
            ObjectKind::Tree => None,
        }
    }
}

/// Reads and scans `ids` in parallel. Trees are not read (their headers say what they are).
pub fn scan_objects(
    opener: &RepoOpener,
    ids: &[Oid],
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ReadOutcome> {
    let visitor = ScanVisitor {
        detector,
        max_size: opts.max_blob_size,
        blobs: AtomicU64::new(0),
        messages: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
    };
    let limits = ReadLimits {
        max_size: opts.max_blob_size,
        threads: opts.threads,
        deadline: opts.deadline,
        cancel: opts.cancel.clone(),
    };
    let progress = Progress::new(opts.progress, ids.len() as u64);
    let advance = |n: u64| progress.advance(n, visitor.bytes.load(Ordering::Relaxed));
    let outs = visit_objects(opener, ids, &visitor, &limits, &advance);
    progress.finish();
    let mut outcome = ReadOutcome::default();
    for out in outs? {
        outcome.hits.extend(out.hits);
        outcome.skipped.extend(out.skipped);
        outcome.commits.extend(out.commits);
    }
    outcome.hits.sort_by_key(|h| h.id);
    outcome.stats = Stats {
        objects: ids.len() as u64,
        blobs: visitor.blobs.into_inner(),
        messages: visitor.messages.into_inner(),
        bytes: visitor.bytes.into_inner(),
        ..Stats::default()
    };
    Ok(outcome)
}

/// Scans the message of a raw commit or tag.
pub fn scan_message(
    detector: &Detector,
    raw: &[u8],
    signature_header: &str,
) -> Option<(Option<Signature>, Vec<Match>)> {
    let parsed = parse_raw_message(raw, signature_header);
    let matches = detector.scan(parsed.message).matches;
    (!matches.is_empty()).then_some((parsed.signature, matches))
}
