//! Reading and scanning objects in parallel: each unique object is read once, by one worker, with
//! that worker's own repository handle; only objects with matches are kept.

use super::{parse_raw_message, RepoOpener, Signature};
use crate::detect::{Detector, Match};
use crate::error::{Error, ErrorKind, Result};
use crate::scan::{ScanOptions, Skipped, Stats};
use git2::{ObjectType, Oid};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// How many consecutive (pack-ordered) objects a worker takes at a time: large enough to keep
/// libgit2's delta-base cache warm, small enough to balance two to eight cores.
const CHUNK: usize = 512;

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

/// Everything a parallel read produced.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Objects with matches.
    pub hits: Vec<ObjectHit>,
    /// Counters (objects, blobs, messages, bytes).
    pub stats: Stats,
    /// Objects that could not be read or were too large.
    pub skipped: Vec<Skipped>,
    /// Ids of the commits seen (for attribution of history scans).
    pub commits: Vec<Oid>,
}

#[derive(Default)]
struct Counters {
    objects: AtomicU64,
    blobs: AtomicU64,
    messages: AtomicU64,
    bytes: AtomicU64,
}

/// Reads and scans `ids` in parallel. Trees are not read (their headers say what they are).
pub fn scan_objects(
    opener: &RepoOpener,
    ids: &[Oid],
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ReadOutcome> {
    super::tune_libgit2();
    let counters = Counters::default();
    let timed_out = AtomicBool::new(false);
    let progress = crate::scan::progress::Progress::new(opts.progress, ids.len() as u64);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| Error::input(format!("cannot start worker threads: {e}")))?;
    let chunks: Vec<Result<ChunkOut>> = pool.install(|| {
        ids.par_chunks(CHUNK)
            .map_init(
                || opener.open(),
                |repo, chunk| {
                    let repo = repo.as_ref().map_err(|e| Error::input(e.to_string()))?;
                    let out = scan_chunk(repo, chunk, detector, opts, &counters, &timed_out);
                    progress.advance(chunk.len() as u64, counters.bytes.load(Ordering::Relaxed));
                    out
                },
            )
            .collect()
    });
    progress.finish();
    if timed_out.load(Ordering::Relaxed) {
        return Err(Error::new(ErrorKind::Timeout));
    }
    let mut outcome = ReadOutcome::default();
    for chunk in chunks {
        let chunk = chunk?;
        outcome.hits.extend(chunk.hits);
        outcome.skipped.extend(chunk.skipped);
        outcome.commits.extend(chunk.commits);
    }
    outcome.hits.sort_by_key(|h| h.id);
    outcome.stats = Stats {
        objects: counters.objects.into_inner(),
        blobs: counters.blobs.into_inner(),
        messages: counters.messages.into_inner(),
        bytes: counters.bytes.into_inner(),
        ..Stats::default()
    };
    Ok(outcome)
}

#[derive(Default)]
struct ChunkOut {
    hits: Vec<ObjectHit>,
    skipped: Vec<Skipped>,
    commits: Vec<Oid>,
}

fn scan_chunk(
    repo: &git2::Repository,
    chunk: &[Oid],
    detector: &Detector,
    opts: &ScanOptions,
    counters: &Counters,
    timed_out: &AtomicBool,
) -> Result<ChunkOut> {
    let odb = repo.odb()?;
    let mut out = ChunkOut::default();
    for &id in chunk {
        if stop_requested(opts, timed_out) {
            break;
        }
        counters.objects.fetch_add(1, Ordering::Relaxed);
        let (size, kind) = match odb.read_header(id) {
            Ok(h) => h,
            Err(e) => {
                out.skipped.push(skipped(id, &e));
                continue;
            }
        };
        match kind {
            ObjectType::Tree | ObjectType::Any => continue,
            ObjectType::Blob if size as u64 > opts.max_blob_size => {
                out.skipped.push(Skipped {
                    what: id.to_string(),
                    reason: format!(
                        "blob of {} bytes is over the {}-byte limit (--max-blob-size)",
                        size, opts.max_blob_size
                    ),
                });
                continue;
            }
            _ => {}
        }
        let object = match odb.read(id) {
            Ok(o) => o,
            Err(e) => {
                out.skipped.push(skipped(id, &e));
                continue;
            }
        };
        let data = object.data();
        counters
            .bytes
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        let hit = match kind {
            ObjectType::Blob => {
                counters.blobs.fetch_add(1, Ordering::Relaxed);
                let matches = detector.scan(data).matches;
                (!matches.is_empty()).then_some(ObjectHit {
                    id,
                    object: HitObject::Blob,
                    matches,
                })
            }
            ObjectType::Commit => {
                out.commits.push(id);
                counters.messages.fetch_add(1, Ordering::Relaxed);
                scan_message(detector, data, "author").map(|(sig, matches)| ObjectHit {
                    id,
                    object: HitObject::Commit(sig),
                    matches,
                })
            }
            ObjectType::Tag => {
                counters.messages.fetch_add(1, Ordering::Relaxed);
                scan_message(detector, data, "tagger").map(|(sig, matches)| ObjectHit {
                    id,
                    object: HitObject::Tag(sig),
                    matches,
                })
            }
            _ => None,
        };
        out.hits.extend(hit);
    }
    Ok(out)
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

fn stop_requested(opts: &ScanOptions, timed_out: &AtomicBool) -> bool {
    if timed_out.load(Ordering::Relaxed) || opts.cancel.load(Ordering::Relaxed) {
        timed_out.store(true, Ordering::Relaxed);
        return true;
    }
    if opts.deadline.is_some_and(|d| Instant::now() >= d) {
        timed_out.store(true, Ordering::Relaxed);
        return true;
    }
    false
}

fn skipped(id: Oid, e: &git2::Error) -> Skipped {
    Skipped {
        what: id.to_string(),
        reason: format!("cannot read object: {}", e.message()),
    }
}
