//! Scanning git objects: the [`Visitor`] that runs the detector on each blob and on each commit
//! and tag message the git layer reads, keeping only the objects with matches.

use super::incremental::{self, BlobMatches};
use super::progress::Progress;
use super::stream;
use super::ScanOptions;
use crate::detect::{Detector, Match};
use crate::error::Result;
use crate::git::delta::Edits;
use crate::git::store::{visit_store, ObjectStore, Selection};
use crate::git::visit::{ObjectKind, ReadLimits, Visit, Visitor};
use crate::git::{parse_raw_message, Signature};
use crate::model::report::{Skipped, Stats};
use git2::Oid;
use std::sync::atomic::{AtomicU64, Ordering};

/// What kind of object a hit is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HitObject {
    /// A blob (file contents).
    Blob,
    /// A commit; the matches are in its raw object (headers and message).
    Commit(Option<Signature>, RawSplit),
    /// An annotated tag; the matches are in its raw object (headers and message).
    Tag(Option<Signature>, RawSplit),
    /// A tree; the matches are in its entry names, read as one text, one name a line (so a key
    /// ID and its secret in two names pair). Holds those names (lossy UTF-8).
    Tree(Vec<String>),
}

/// Where a raw commit or tag object's headers end: matches before `offset` are in a header,
/// the rest in the message (whose line numbers are counted from its own first line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawSplit {
    /// Byte offset of the message's first byte.
    pub offset: usize,
    /// How many lines the headers and the blank line after them take.
    pub lines: u32,
}

impl RawSplit {
    /// The split of `raw` (all headers when there is no blank line).
    pub fn of(raw: &[u8]) -> RawSplit {
        let offset = memchr::memmem::find(raw, b"\n\n")
            .map(|i| i + 2)
            .unwrap_or(raw.len());
        let lines = memchr::memchr_iter(b'\n', &raw[..offset]).count() as u32;
        RawSplit { offset, lines }
    }

    /// Whether `m` is in a header line.
    pub fn in_header(&self, m: &Match) -> bool {
        m.span.start < self.offset
    }
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
    /// Deltas scanned by the windows around what they changed (the rest were scanned whole).
    pub deltas_by_windows: u64,
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
    whole_blobs: bool,
    tree_names: bool,
    blobs: AtomicU64,
    messages: AtomicU64,
    bytes: AtomicU64,
    deltas_by_windows: AtomicU64,
}

/// What the scan keeps about a blob while deltas built on it are read: its whole-blob matches.
pub struct BlobMemo(BlobMatches);

impl Visitor for ScanVisitor<'_> {
    type Out = WorkerOut;
    type Memo = BlobMemo;

    fn wants(&self, kind: ObjectKind) -> bool {
        kind != ObjectKind::Tree || self.tree_names
    }

    fn visit(&self, out: &mut WorkerOut, visit: Visit<'_, BlobMemo>) -> Option<BlobMemo> {
        match visit {
            Visit::Object {
                id,
                kind,
                data,
                selected,
            } => {
                if !selected {
                    // Only a base of the objects asked for: its matches serve their deltas.
                    return (kind == ObjectKind::Blob)
                        .then(|| BlobMemo(BlobMatches::scan(self.detector, data)));
                }
                self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
                let id = to_oid(id)?;
                let matches = self.scan_object(out, id, kind, data, None)?;
                self.keep(out, id, kind, matches)
            }
            Visit::Delta {
                id,
                kind,
                data,
                selected,
                base_memo,
                edits,
                ..
            } => {
                if selected {
                    self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
                }
                let base = base_memo.filter(|_| !self.whole_blobs);
                if !selected {
                    return (kind == ObjectKind::Blob)
                        .then(|| BlobMemo(self.blob_matches(data, base.map(|b| (b, edits)))));
                }
                let id = to_oid(id)?;
                let matches = self.scan_object(out, id, kind, data, base.map(|b| (b, edits)))?;
                self.keep(out, id, kind, matches)
            }
            Visit::Stream {
                id,
                kind,
                size,
                reader,
            } => {
                self.bytes.fetch_add(size, Ordering::Relaxed);
                let oid = to_oid(id)?;
                match stream::scan_stream(self.detector, reader, size) {
                    Ok(matches) => {
                        self.count(out, oid, kind);
                        let split = RawSplit::default();
                        let object = match kind {
                            ObjectKind::Commit => HitObject::Commit(None, split),
                            ObjectKind::Tag => HitObject::Tag(None, split),
                            ObjectKind::Blob | ObjectKind::Tree => HitObject::Blob,
                        };
                        self.keep(out, oid, kind, (object, unfolded(matches)));
                    }
                    Err(reason) => out.skipped.push(Skipped {
                        what: id.to_string(),
                        reason,
                    }),
                }
                None
            }
            Visit::TooLarge { id, size, .. } => {
                out.skipped.push(Skipped {
                    what: id.to_string(),
                    reason: format!(
                        "blob of {} bytes is over the {}-byte limit (--max-blob-size)",
                        size, self.max_size
                    ),
                });
                None
            }
            Visit::Unreadable { id, reason } => {
                out.skipped.push(Skipped {
                    what: id.to_string(),
                    reason,
                });
                None
            }
        }
    }
}

/// The git2 id of an object (the scan's hits and attribution use git2, which reads SHA-1
/// repositories only).
fn to_oid(id: &gix_hash::ObjectId) -> Option<Oid> {
    Oid::from_bytes(id.as_bytes()).ok()
}

impl ScanVisitor<'_> {
    /// A blob's matches: from the windows around what a delta changed when its base's matches
    /// are known, else from the whole blob.
    fn blob_matches(&self, data: &[u8], base: Option<(&BlobMemo, &Edits)>) -> BlobMatches {
        match base {
            Some((memo, edits)) => {
                let (found, how) = incremental::scan_delta(self.detector, data, &memo.0, edits);
                if how == incremental::DeltaScan::Windows {
                    self.deltas_by_windows.fetch_add(1, Ordering::Relaxed);
                }
                found
            }
            None => BlobMatches::scan(self.detector, data),
        }
    }

    fn count(&self, out: &mut WorkerOut, id: Oid, kind: ObjectKind) {
        match kind {
            ObjectKind::Blob => self.blobs.fetch_add(1, Ordering::Relaxed),
            ObjectKind::Commit => {
                out.commits.push(id);
                self.messages.fetch_add(1, Ordering::Relaxed)
            }
            ObjectKind::Tag | ObjectKind::Tree => self.messages.fetch_add(1, Ordering::Relaxed),
        };
    }

    /// Records a hit for a selected object; returns the memo for deltas built on a blob.
    fn keep(
        &self,
        out: &mut WorkerOut,
        id: Oid,
        kind: ObjectKind,
        hit: ScannedObject,
    ) -> Option<BlobMemo> {
        let memo = (kind == ObjectKind::Blob).then(|| BlobMemo(hit.1.clone()));
        if !hit.1.matches.is_empty() {
            out.hits.push(ObjectHit {
                id,
                object: hit.0,
                matches: hit.1.matches,
            });
        }
        memo
    }

    fn scan_object(
        &self,
        out: &mut WorkerOut,
        id: Oid,
        kind: ObjectKind,
        data: &[u8],
        base: Option<(&BlobMemo, &Edits)>,
    ) -> Option<ScannedObject> {
        match kind {
            ObjectKind::Blob => {
                self.blobs.fetch_add(1, Ordering::Relaxed);
                Some((HitObject::Blob, self.blob_matches(data, base)))
            }
            ObjectKind::Commit => {
                out.commits.push(id);
                self.messages.fetch_add(1, Ordering::Relaxed);
                let (sig, split, matches) = scan_raw(self.detector, data, "author");
                Some((HitObject::Commit(sig, split), unfolded(matches)))
            }
            ObjectKind::Tag => {
                self.messages.fetch_add(1, Ordering::Relaxed);
                let (sig, split, matches) = scan_raw(self.detector, data, "tagger");
                Some((HitObject::Tag(sig, split), unfolded(matches)))
            }
            ObjectKind::Tree if self.tree_names => {
                let names = tree_entry_names(data, id.as_bytes().len());
                let matches = self.detector.scan(&names.join(&b'\n')).matches;
                let names = if matches.is_empty() {
                    Vec::new()
                } else {
                    names
                        .iter()
                        .map(|n| String::from_utf8_lossy(n).into_owned())
                        .collect()
                };
                Some((HitObject::Tree(names), unfolded(matches)))
            }
            ObjectKind::Tree => None,
        }
    }
}

/// The entry names of a raw tree (`<mode> <name>\0<id>` entries with ids of `id_len` bytes).
/// Whatever does not parse as an entry is one more name, so no byte of a malformed tree goes
/// unread.
fn tree_entry_names(data: &[u8], id_len: usize) -> Vec<&[u8]> {
    let mut names = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let entry = memchr::memchr(b' ', rest).and_then(|space| {
            let nul = space + 1 + memchr::memchr(0, &rest[space + 1..])?;
            let end = nul + 1 + id_len;
            (end <= rest.len()).then(|| (&rest[space + 1..nul], end))
        });
        match entry {
            Some((name, end)) => {
                names.push(name);
                rest = &rest[end..];
            }
            None => {
                names.push(rest);
                break;
            }
        }
    }
    names
}

/// What one object's scan found.
type ScannedObject = (HitObject, BlobMatches);

/// Matches of an object no delta builds on as a blob (a commit or a tag).
fn unfolded(matches: Vec<Match>) -> BlobMatches {
    BlobMatches {
        matches,
        folded: false,
    }
}

/// Reads and scans the `selection` of `store` in parallel. Trees are not read (their headers
/// say what they are).
pub fn scan_objects(
    store: &ObjectStore,
    selection: Selection<'_>,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ReadOutcome> {
    let visitor = ScanVisitor {
        detector,
        max_size: opts.max_blob_size,
        whole_blobs: opts.whole_blobs,
        tree_names: opts.tree_names,
        blobs: AtomicU64::new(0),
        messages: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        deltas_by_windows: AtomicU64::new(0),
    };
    let limits = ReadLimits {
        max_size: opts.max_blob_size,
        threads: opts.threads,
        deadline: opts.deadline,
        cancel: opts.cancel.clone(),
        ..ReadLimits::default()
    };
    let objects = store.count(selection) as u64;
    let progress = Progress::new(opts.progress, objects);
    let advance = |n: u64| progress.advance(n, visitor.bytes.load(Ordering::Relaxed));
    let outs = visit_store(store, selection, &visitor, &limits, &advance);
    progress.finish();
    let mut outcome = ReadOutcome::default();
    for out in outs? {
        outcome.hits.extend(out.hits);
        outcome.skipped.extend(out.skipped);
        outcome.commits.extend(out.commits);
    }
    outcome.hits.sort_by_key(|h| h.id);
    outcome.stats = Stats {
        objects,
        blobs: visitor.blobs.into_inner(),
        messages: visitor.messages.into_inner(),
        bytes: visitor.bytes.into_inner(),
        ..Stats::default()
    };
    outcome.deltas_by_windows = visitor.deltas_by_windows.into_inner();
    Ok(outcome)
}

/// Scans a whole raw commit or tag: every header (author, committer, tagger, tag name, custom
/// headers, `gpgsig`, `mergetag`) and the message. The object ids of `tree`, `parent` and
/// `object` lines are blanked first (hex ids are not keys, and git's own ids are not the
/// pusher's text).
pub fn scan_raw(
    detector: &Detector,
    raw: &[u8],
    signature_header: &str,
) -> (Option<Signature>, RawSplit, Vec<Match>) {
    let split = RawSplit::of(raw);
    let parsed = parse_raw_message(raw, signature_header);
    let masked = mask_object_ids(raw, split.offset);
    let matches = detector.scan(&masked).matches;
    (parsed.signature, split, matches)
}

/// `raw` with the hex ids of well-formed `tree`/`parent`/`object` header lines (before
/// `headers_end`) replaced by `0`s (same length: spans and columns stay put).
fn mask_object_ids(raw: &[u8], headers_end: usize) -> Vec<u8> {
    let mut out = raw.to_vec();
    let mut start = 0;
    while start < headers_end {
        let end =
            memchr::memchr(b'\n', &raw[start..headers_end]).map_or(headers_end, |i| start + i);
        let line = &raw[start..end];
        for name in [&b"tree "[..], b"parent ", b"object "] {
            if let Some(id) = line.strip_prefix(name) {
                if matches!(id.len(), 40 | 64) && id.iter().all(u8::is_ascii_hexdigit) {
                    out[start + name.len()..end].fill(b'0');
                }
            }
        }
        start = end + 1;
    }
    out
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

#[cfg(test)]
mod tests {
    use super::tree_entry_names;

    #[test]
    fn tree_names_are_read_and_a_malformed_tail_is_read_as_one_more_name() {
        let id = [7u8; 20];
        let mut tree = Vec::new();
        for (mode, name) in [("100644", "a.txt"), ("40000", "dir with space")] {
            tree.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            tree.extend_from_slice(&id);
        }
        let names = tree_entry_names(&tree, 20);
        assert_eq!(names, [&b"a.txt"[..], b"dir with space"]);
        tree.extend_from_slice(b"100644 cut-short\0abc");
        let names = tree_entry_names(&tree, 20);
        assert_eq!(names.len(), 3);
        assert_eq!(names[2], b"100644 cut-short\0abc");
    }
}
