//! What the object reader hands to a visitor, and the visitor's side of the contract.
//!
//! This layer knows nothing of scanning: the caller's [`Visitor`] decides what to do with each
//! object, collects its own per-worker output, and may keep a small [`Visitor::Memo`] about an
//! object while deltas built on it are still to come (the reader keeps it beside the object in
//! its delta-forest walk and hands it back with each of those deltas).

use super::delta::Edits;
use gix_hash::ObjectId;
use std::io::Read;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

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
    /// The kind named in a loose object's header (`blob`, `tree`, `commit`, `tag`).
    pub fn from_name(name: &[u8]) -> Option<ObjectKind> {
        match name {
            b"blob" => Some(ObjectKind::Blob),
            b"tree" => Some(ObjectKind::Tree),
            b"commit" => Some(ObjectKind::Commit),
            b"tag" => Some(ObjectKind::Tag),
            _ => None,
        }
    }
}

/// What the reader hands to a visitor for one object.
pub enum Visit<'a, M> {
    /// An object's whole contents (a whole pack entry, a loose object, or a delta whose base's
    /// edits are not worth telling).
    Object {
        /// The object id.
        id: &'a ObjectId,
        /// Its kind.
        kind: ObjectKind,
        /// Its contents.
        data: &'a [u8],
        /// Whether the caller asked for this object. `false`: it is read only because selected
        /// deltas are built on it; the visitor may return a memo for them but should not report
        /// it.
        selected: bool,
    },
    /// A delta's reconstructed contents, with its base and what the delta copied from the base
    /// and inserted.
    Delta {
        /// The object id.
        id: &'a ObjectId,
        /// Its kind (always its base's).
        kind: ObjectKind,
        /// Its reconstructed contents.
        data: &'a [u8],
        /// As for [`Visit::Object`].
        selected: bool,
        /// The base's id.
        base: &'a ObjectId,
        /// What the visitor returned for the base, if anything.
        base_memo: Option<&'a M>,
        /// The ranges of `data` copied from the base and inserted by the delta.
        edits: &'a Edits,
    },
    /// An object too large to hold in memory: its contents as a stream (read it in bounded
    /// chunks).
    Stream {
        /// The object id.
        id: &'a ObjectId,
        /// Its kind.
        kind: ObjectKind,
        /// Its size in bytes.
        size: u64,
        /// Its contents.
        reader: &'a mut dyn Read,
    },
    /// An object larger than [`ReadLimits::max_size`]; its contents were not read.
    TooLarge {
        /// The object id.
        id: &'a ObjectId,
        /// Its kind.
        kind: ObjectKind,
        /// Its size in bytes.
        size: u64,
    },
    /// An object that could not be read (corrupt, missing, unknown type).
    Unreadable {
        /// The object id.
        id: &'a ObjectId,
        /// Why.
        reason: String,
    },
}

/// What a worker does with the objects it reads.
pub trait Visitor: Sync {
    /// Per-worker output, merged by the caller.
    type Out: Send + Default;
    /// What the visitor keeps about an object while deltas built on it are still to come.
    type Memo: Send;
    /// Whether objects of `kind` are wanted (unwanted ones, and deltas built on them, are not
    /// inflated).
    fn wants(&self, kind: ObjectKind) -> bool;
    /// Handles one object; the memo returned is handed back with each delta built on it.
    fn visit(&self, out: &mut Self::Out, visit: Visit<'_, Self::Memo>) -> Option<Self::Memo>;
}

/// Bounds on a parallel read.
#[derive(Debug, Clone)]
pub struct ReadLimits {
    /// Selected objects larger than this are handed over as [`Visit::TooLarge`] (unread).
    pub max_size: u64,
    /// Objects larger than this are handed over as a [`Visit::Stream`] where they can be
    /// (whole pack entries and loose objects that no delta is built on).
    pub stream_above: u64,
    /// Bytes of delta bases all workers together may hold in memory; past it, bases are
    /// dropped and rebuilt from their own bases when needed again.
    pub base_memory: u64,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Stop at this instant ([`crate::error::ErrorKind::Timeout`]).
    pub deadline: Option<Instant>,
    /// Set to true from another thread to stop ([`crate::error::ErrorKind::Timeout`]).
    pub cancel: Arc<AtomicBool>,
}

impl Default for ReadLimits {
    fn default() -> ReadLimits {
        ReadLimits {
            max_size: u64::MAX,
            stream_above: 32 << 20,
            base_memory: 96 << 20,
            threads: 0,
            deadline: None,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl ReadLimits {
    /// Whether the read must stop (cancelled or past the deadline).
    pub(crate) fn expired(&self) -> bool {
        self.cancel.load(std::sync::atomic::Ordering::Relaxed)
            || self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}
