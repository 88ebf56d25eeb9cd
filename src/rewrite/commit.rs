//! New commits for a rewrite, built from the original's raw bytes: only the `tree` and `parent`
//! lines change, every other header (author, committer, their dates and time zones, `encoding`,
//! `mergetag`, …) and the message are copied byte for byte, except that a credential in the
//! message is replaced by its marker. Signatures (`gpgsig`, `gpgsig-sha256`) cannot survive a
//! changed commit and are dropped; a commit whose tree, parents and message are unchanged keeps
//! its id (and its signature). Nothing depends on the clock or the machine, so the same input
//! gives the same ids everywhere.

use super::tree::marker;
use crate::detect::Detector;
use crate::error::{Error, Result};
use crate::finding::{Kind, Secret};
use git2::{ObjectType, Oid, Repository};

/// A credential removed from a commit message.
#[derive(Debug, Clone)]
pub struct MessageRedaction {
    /// What it was.
    pub kind: Kind,
    /// The value (never printed: use [`Secret::redacted`]).
    pub value: Secret,
    /// 1-based line in the message.
    pub line: u32,
}

/// The rewritten commit.
#[derive(Debug, Clone)]
pub struct CommitRewrite {
    /// The new id (the old one when nothing changed).
    pub id: Oid,
    /// Whether a signature had to be dropped.
    pub dropped_signature: bool,
    /// Credentials removed from the message.
    pub message: Vec<MessageRedaction>,
}

/// Headers that sign the commit's bytes and so cannot be carried over.
const SIGNATURE_HEADERS: &[&[u8]] = &[b"gpgsig", b"gpgsig-sha256"];

/// Writes `old` with `tree` and `parents` (or keeps it when nothing changes); the object goes to
/// the repository's object database (an in-memory one for dry runs).
pub fn rewrite_commit(
    repo: &Repository,
    detector: &Detector,
    old: Oid,
    tree: Oid,
    parents: &[Oid],
) -> Result<CommitRewrite> {
    let odb = repo.odb()?;
    let object = odb.read(old)?;
    let raw = object.data();
    let (headers, message) = split(raw);
    let (new_message, redactions) = redact_message(detector, message);
    let lines = header_lines(headers);
    let old_tree = lines
        .iter()
        .find_map(|l| l.strip_prefix(b"tree ".as_slice()))
        .ok_or_else(|| Error::input(format!("commit {old} has no tree header")))?;
    let old_parents: Vec<&[u8]> = lines
        .iter()
        .filter_map(|l| l.strip_prefix(b"parent ".as_slice()))
        .collect();
    let unchanged = old_tree == tree.to_string().as_bytes()
        && old_parents.len() == parents.len()
        && old_parents
            .iter()
            .zip(parents)
            .all(|(a, b)| *a == b.to_string().as_bytes())
        && redactions.is_empty();
    if unchanged {
        return Ok(CommitRewrite {
            id: old,
            dropped_signature: false,
            message: Vec::new(),
        });
    }
    let mut out = Vec::with_capacity(raw.len());
    out.extend_from_slice(format!("tree {tree}\n").as_bytes());
    for p in parents {
        out.extend_from_slice(format!("parent {p}\n").as_bytes());
    }
    let mut dropped = false;
    for line in &lines {
        let name = line.split(|&b| b == b' ').next().unwrap_or_default();
        if name == b"tree" || name == b"parent" {
            continue;
        }
        if SIGNATURE_HEADERS.contains(&name) {
            dropped = true;
            continue;
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(&new_message);
    let id = odb.write(ObjectType::Commit, &out)?;
    Ok(CommitRewrite {
        id,
        dropped_signature: dropped,
        message: redactions,
    })
}

/// Splits a raw commit into its headers (without the blank line) and message.
fn split(raw: &[u8]) -> (&[u8], &[u8]) {
    if raw.starts_with(b"\n") {
        return (&[], &raw[1..]);
    }
    match memchr::memmem::find(raw, b"\n\n") {
        Some(i) => (&raw[..i], &raw[i + 2..]),
        None => (raw.strip_suffix(b"\n").unwrap_or(raw), &[]),
    }
}

/// Header lines, each with its continuation lines (those that start with a space) attached.
fn header_lines(headers: &[u8]) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i <= headers.len() {
        let at_end = i == headers.len();
        if at_end || (headers[i] == b'\n' && headers.get(i + 1) != Some(&b' ')) {
            if start < i {
                out.push(&headers[start..i]);
            }
            start = i + 1;
        }
        i += 1;
    }
    out
}

/// The message with every credential replaced by its marker.
pub fn redact_message(detector: &Detector, message: &[u8]) -> (Vec<u8>, Vec<MessageRedaction>) {
    let scan = detector.scan(message);
    let matches: Vec<_> = scan
        .matches
        .into_iter()
        .filter(|m| !m.inline_allowed)
        .collect();
    if matches.is_empty() {
        return (message.to_vec(), Vec::new());
    }
    let redactions = matches
        .iter()
        .map(|m| MessageRedaction {
            kind: m.kind,
            value: m.value.clone(),
            line: m.line,
        })
        .collect();
    let mut out = Vec::with_capacity(message.len());
    if scan.utf16 {
        out.extend_from_slice(message);
    } else {
        let mut spans: Vec<_> = matches.iter().map(|m| (m.span.clone(), m.kind)).collect();
        spans.sort_by_key(|(s, _)| (s.start, std::cmp::Reverse(s.end)));
        let mut at = 0;
        for (span, kind) in spans {
            if span.start < at {
                continue;
            }
            out.extend_from_slice(&message[at..span.start]);
            out.extend_from_slice(marker(kind).as_bytes());
            at = span.end;
        }
        out.extend_from_slice(&message[at..]);
    }
    // Values the spans did not cover (encoded forms) go too.
    for m in &matches {
        let v = m.value.expose().as_bytes();
        while let Some(i) = memchr::memmem::find(&out, v) {
            out.splice(i..i + v.len(), marker(m.kind).bytes());
        }
    }
    (out, redactions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_stay_with_their_header() {
        let h = b"tree a\nparent b\nauthor x\ngpgsig -----BEGIN\n line\n -----END\ncommitter y";
        let lines = header_lines(h);
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[3], b"gpgsig -----BEGIN\n line\n -----END");
        let (headers, msg) = split(b"tree a\nauthor x\n\nsubject\n\nbody\n");
        assert_eq!(headers, b"tree a\nauthor x");
        assert_eq!(msg, b"subject\n\nbody\n");
    }
}
