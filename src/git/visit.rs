//! Reading objects in parallel and handing each to a visitor: each id is read once, by one
//! worker, with that worker's own repository handle (git2's `Repository` is not `Sync`).
//!
//! This layer knows nothing of scanning: the caller's [`Visitor`] decides what to do with each
//! object, collects its own per-worker output, and reports progress through a plain callback.

use super::RepoOpener;
use crate::error::{Error, ErrorKind, Result};
use git2::{ObjectType, Oid};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// How many consecutive (pack-ordered) objects a worker takes at a time: large enough to keep
/// libgit2's delta-base cache warm, small enough to balance two to eight cores.
const CHUNK: usize = 512;

/// The four kinds of git object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// File contents.
    Blob,
    /// A directory listing.
    Tree,
    /// A commit (headers and message).
    Commit,
    /// An annotated tag (headers and message).
    Tag,
}

impl ObjectKind {
    fn from_git2(kind: ObjectType) -> Option<ObjectKind> {
        match kind {
            ObjectType::Blob => Some(ObjectKind::Blob),
            ObjectType::Tree => Some(ObjectKind::Tree),
            ObjectType::Commit => Some(ObjectKind::Commit),
            ObjectType::Tag => Some(ObjectKind::Tag),
            _ => None,
        }
    }
}

/// What the reader hands to a visitor for one object id.
#[derive(Debug)]
pub enum Visit<'a> {
    /// The object's whole (inflated) contents.
    Object {
        /// The object id.
        id: Oid,
        /// Its kind.
        kind: ObjectKind,
        /// Its contents.
        data: &'a [u8],
    },
    /// An object larger than [`ReadLimits::max_size`]; its contents were not read.
    TooLarge {
        /// The object id.
        id: Oid,
        /// Its kind.
        kind: ObjectKind,
        /// Its size in bytes.
        size: u64,
    },
    /// An object that could not be read (corrupt, missing, unknown type).
    Unreadable {
        /// The object id.
        id: Oid,
        /// Why.
        reason: String,
    },
}

/// What a worker does with the objects it reads.
pub trait Visitor: Sync {
    /// Per-worker output, merged by the caller.
    type Out: Send + Default;
    /// Whether the contents of objects of `kind` are wanted (unwanted ones are not inflated).
    fn wants(&self, kind: ObjectKind) -> bool;
    /// Handles one object.
    fn visit(&self, out: &mut Self::Out, visit: Visit<'_>);
}

/// Bounds on a parallel read.
#[derive(Debug, Clone)]
pub struct ReadLimits {
    /// Objects larger than this are handed over as [`Visit::TooLarge`].
    pub max_size: u64,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Stop at this instant ([`ErrorKind::Timeout`]).
    pub deadline: Option<Instant>,
    /// Set to true from another thread to stop ([`ErrorKind::Timeout`]).
    pub cancel: Arc<AtomicBool>,
}

/// Reads `ids` in parallel and hands each to `visitor`. `progress` is called after each chunk
/// with the number of ids it held. Returns one output per chunk, in the order of `ids`.
pub fn visit_objects<V: Visitor>(
    opener: &RepoOpener,
    ids: &[Oid],
    visitor: &V,
    limits: &ReadLimits,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<V::Out>> {
    super::tune_libgit2();
    let stopped = AtomicBool::new(false);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(limits.threads)
        .build()
        .map_err(|e| Error::input(format!("cannot start worker threads: {e}")))?;
    let chunks: Vec<Result<V::Out>> = pool.install(|| {
        ids.par_chunks(CHUNK)
            .map_init(
                || opener.open(),
                |repo, chunk| {
                    let repo = repo.as_ref().map_err(|e| Error::input(e.to_string()))?;
                    let out = visit_chunk(repo, chunk, visitor, limits, &stopped);
                    progress(chunk.len() as u64);
                    out
                },
            )
            .collect()
    });
    if stopped.load(Ordering::Relaxed) {
        return Err(Error::new(ErrorKind::Timeout));
    }
    chunks.into_iter().collect()
}

fn visit_chunk<V: Visitor>(
    repo: &git2::Repository,
    chunk: &[Oid],
    visitor: &V,
    limits: &ReadLimits,
    stopped: &AtomicBool,
) -> Result<V::Out> {
    let odb = repo.odb()?;
    let mut out = V::Out::default();
    for &id in chunk {
        if stop_requested(limits, stopped) {
            break;
        }
        let (size, kind) = match odb.read_header(id) {
            Ok((size, kind)) => (size as u64, ObjectKind::from_git2(kind)),
            Err(e) => {
                visitor.visit(&mut out, unreadable(id, &e));
                continue;
            }
        };
        let Some(kind) = kind else {
            let reason = "unknown object type".to_string();
            visitor.visit(&mut out, Visit::Unreadable { id, reason });
            continue;
        };
        if !visitor.wants(kind) {
            continue;
        }
        if size > limits.max_size {
            visitor.visit(&mut out, Visit::TooLarge { id, kind, size });
            continue;
        }
        match odb.read(id) {
            Ok(object) => visitor.visit(
                &mut out,
                Visit::Object {
                    id,
                    kind,
                    data: object.data(),
                },
            ),
            Err(e) => visitor.visit(&mut out, unreadable(id, &e)),
        }
    }
    Ok(out)
}

fn stop_requested(limits: &ReadLimits, stopped: &AtomicBool) -> bool {
    if stopped.load(Ordering::Relaxed) || limits.cancel.load(Ordering::Relaxed) {
        stopped.store(true, Ordering::Relaxed);
        return true;
    }
    if limits.deadline.is_some_and(|d| Instant::now() >= d) {
        stopped.store(true, Ordering::Relaxed);
        return true;
    }
    false
}

fn unreadable(id: Oid, e: &git2::Error) -> Visit<'static> {
    Visit::Unreadable {
        id,
        reason: format!("cannot read object: {}", e.message()),
    }
}
