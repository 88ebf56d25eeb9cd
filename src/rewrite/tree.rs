//! New trees for rewritten commits. Every blob that a commit of the range brings in and that holds
//! a credential gets `rolecall fix`'s role-based rewrite ([`fix_text`]); whatever that cannot fix
//! is replaced by a marker ([`marker`]) that names what was there and that the detector does not
//! flag. A blob gets the same rewrite wherever it appears (cached by blob id). Only the trees on
//! the path to a changed blob are rebuilt; every other blob and tree keeps its id.
//!
//! Which paths change in a commit: the blobs it introduces (no parent has them at that path) that
//! hold a credential, plus those its in-range parents had changed and that it still has at the
//! same path. Content the range's base already had is left as it is: it is not being pushed.

use crate::detect::{Detector, Match};
use crate::error::Result;
use crate::finding::{Kind, Secret};
use crate::fix::fix_text;
use crate::fix::paths::TextEncoding;
use crate::git::attribute::introduced_blobs;
use git2::{Oid, Repository};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// The text that replaces a credential that no code fix removes. Plain words and dashes: not a
/// key ID prefix, not 40 base64 characters, not a token.
pub fn marker(kind: Kind) -> &'static str {
    match kind {
        Kind::AccessKeyId => "ROLECALL-REDACTED-ACCESS-KEY-ID",
        Kind::SecretAccessKey => "ROLECALL-REDACTED-SECRET-ACCESS-KEY",
        Kind::SessionToken => "ROLECALL-REDACTED-SESSION-TOKEN",
        Kind::BedrockApiKey => "ROLECALL-REDACTED-BEDROCK-API-KEY",
        Kind::AppSyncApiKey => "ROLECALL-REDACTED-APPSYNC-API-KEY",
    }
}

/// One credential that was removed.
#[derive(Debug, Clone)]
pub struct Removed {
    /// What it was.
    pub kind: Kind,
    /// The value (for rotation and `--filter-repo` only; print [`Secret::redacted`]).
    pub value: Secret,
    /// 1-based line in the original text.
    pub line: u32,
}

/// How a blob was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `rolecall fix`'s role-based rewrite removed every credential.
    RoleBased(&'static str),
    /// The role-based rewrite ran and the credentials it left were replaced by markers.
    RoleBasedAndRedacted(&'static str),
    /// No code fix applies: the credentials were replaced by markers.
    Redacted,
}

impl Method {
    /// A short description for reports.
    pub fn describe(&self) -> String {
        match self {
            Method::RoleBased(r) => format!("role-based rewrite ({r})"),
            Method::RoleBasedAndRedacted(r) => {
                format!("role-based rewrite ({r}), leftovers replaced by a marker")
            }
            Method::Redacted => "no code fix applies: credential replaced by a marker".into(),
        }
    }
}

/// What happened to one blob that held credentials.
#[derive(Debug, Clone)]
pub struct BlobFix {
    /// The original blob.
    pub old: Oid,
    /// The rewritten blob.
    pub new: Oid,
    /// The path it was first seen at (the rewriter is chosen by path).
    pub path: String,
    /// How it was changed.
    pub method: Method,
    /// The credentials removed.
    pub removed: Vec<Removed>,
    /// How many credentials the detector still finds in the new blob (0 unless something
    /// could not be removed).
    pub left: usize,
}

/// A changed path in one commit.
#[derive(Debug, Clone)]
pub struct PathChange {
    /// Repository-relative path.
    pub path: String,
    /// The blob fix applied there.
    pub fix: Rc<BlobFix>,
    /// Whether this commit brought the blob in (false: inherited unchanged from a parent).
    pub introduced: bool,
}

/// Rewrites trees, caching blob fixes and rebuilt trees.
pub struct TreeRewriter<'r> {
    repo: &'r Repository,
    detector: &'r Detector,
    blobs: HashMap<Oid, Option<Rc<BlobFix>>>,
    trees: HashMap<(Oid, Vec<(String, Oid)>), Oid>,
    /// Changed paths per rewritten commit (path → original blob).
    dirty: HashMap<Oid, BTreeMap<String, Oid>>,
}

impl<'r> TreeRewriter<'r> {
    /// A rewriter over `repo`.
    pub fn new(repo: &'r Repository, detector: &'r Detector) -> TreeRewriter<'r> {
        TreeRewriter {
            repo,
            detector,
            blobs: HashMap::new(),
            trees: HashMap::new(),
            dirty: HashMap::new(),
        }
    }

    /// Every distinct blob fix made so far, in no particular order.
    pub fn fixes(&self) -> impl Iterator<Item = &Rc<BlobFix>> {
        self.blobs.values().flatten()
    }

    /// The new tree of `commit` (its parents in the range must have been rewritten first) and the
    /// paths changed in it, sorted.
    pub fn rewrite_commit_tree(
        &mut self,
        commit: Oid,
        in_range_parents: &[Oid],
    ) -> Result<(Oid, Vec<PathChange>)> {
        let c = self.repo.find_commit(commit)?;
        let tree = c.tree()?;
        let mut dirty: BTreeMap<String, Oid> = BTreeMap::new();
        let mut introduced: Vec<String> = Vec::new();
        for (blob, path) in introduced_blobs(self.repo, commit)? {
            if self.fix_blob(blob, &path)?.is_some() {
                introduced.push(path.clone());
                dirty.insert(path, blob);
            }
        }
        for p in in_range_parents {
            let inherited: Vec<(String, Oid)> = self
                .dirty
                .get(p)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
                .unwrap_or_default();
            for (path, blob) in inherited {
                let still = tree
                    .get_path(std::path::Path::new(&path))
                    .is_ok_and(|e| e.id() == blob);
                if still {
                    dirty.entry(path).or_insert(blob);
                }
            }
        }
        let mut changes = Vec::new();
        let mut edits: Vec<(String, Oid)> = Vec::new();
        for (path, blob) in &dirty {
            let fix = self
                .blobs
                .get(blob)
                .cloned()
                .flatten()
                .expect("dirty blobs have fixes");
            edits.push((path.clone(), fix.new));
            changes.push(PathChange {
                path: path.clone(),
                introduced: introduced.contains(path),
                fix,
            });
        }
        let new_tree = if edits.is_empty() {
            tree.id()
        } else {
            self.rebuild(tree.id(), edits)?
        };
        self.dirty.insert(commit, dirty);
        Ok((new_tree, changes))
    }

    /// `tree` with the blobs at `edits` (paths relative to it, sorted) replaced.
    fn rebuild(&mut self, tree: Oid, edits: Vec<(String, Oid)>) -> Result<Oid> {
        let key = (tree, edits);
        if let Some(id) = self.trees.get(&key) {
            return Ok(*id);
        }
        let old = self.repo.find_tree(tree)?;
        let mut builder = self.repo.treebuilder(Some(&old))?;
        let mut groups: BTreeMap<String, Vec<(String, Oid)>> = BTreeMap::new();
        for (path, new) in &key.1 {
            match path.split_once('/') {
                None => {
                    let mode = old.get_name(path).map(|e| e.filemode()).unwrap_or(0o100644);
                    builder.insert(path, *new, mode)?;
                }
                Some((dir, rest)) => groups
                    .entry(dir.to_string())
                    .or_default()
                    .push((rest.to_string(), *new)),
            }
        }
        for (dir, sub_edits) in groups {
            let Some(entry) = old.get_name(&dir) else {
                continue;
            };
            let sub = self.rebuild(entry.id(), sub_edits)?;
            builder.insert(&dir, sub, entry.filemode())?;
        }
        let id = builder.write()?;
        self.trees.insert(key, id);
        Ok(id)
    }

    /// The fix of a blob (cached; `None` when it holds no credential).
    fn fix_blob(&mut self, id: Oid, path: &str) -> Result<Option<Rc<BlobFix>>> {
        if let Some(done) = self.blobs.get(&id) {
            return Ok(done.clone());
        }
        let blob = self.repo.find_blob(id)?;
        let fixed = fix_bytes(self.detector, path, blob.content());
        let result = match fixed {
            None => None,
            Some((bytes, method, removed, left)) => Some(Rc::new(BlobFix {
                old: id,
                new: self.repo.blob(&bytes)?,
                path: path.to_string(),
                method,
                removed,
                left,
            })),
        };
        self.blobs.insert(id, result.clone());
        Ok(result)
    }
}

/// Credentials the detector reports (inline-allowed ones are left alone, as everywhere else).
fn found(detector: &Detector, bytes: &[u8]) -> (Vec<Match>, bool) {
    let scan = detector.scan(bytes);
    let m = scan
        .matches
        .into_iter()
        .filter(|m| !m.inline_allowed)
        .collect();
    (m, scan.utf16)
}

/// The fixed bytes of a file, how they were fixed, what was removed and how many credentials
/// are left; `None` when the file holds no credential.
pub fn fix_bytes(
    detector: &Detector,
    path: &str,
    bytes: &[u8],
) -> Option<(Vec<u8>, Method, Vec<Removed>, usize)> {
    let (matches, _) = found(detector, bytes);
    if matches.is_empty() {
        return None;
    }
    let removed: Vec<Removed> = matches
        .iter()
        .map(|m| Removed {
            kind: m.kind,
            value: m.value.clone(),
            line: m.line,
        })
        .collect();
    let (mut out, method) = match TextEncoding::decode(bytes) {
        Some((encoding, text)) => {
            let fix = fix_text(detector, path, &text);
            let (text, method) = match (&fix.new, fix.rewriter) {
                (Some(new), Some(r)) if fix.manual.is_empty() => {
                    (new.clone(), Method::RoleBased(r))
                }
                (Some(new), Some(r)) => (new.clone(), Method::RoleBasedAndRedacted(r)),
                _ => (text, Method::Redacted),
            };
            let text = redact_text(detector, &text);
            let method = match method {
                Method::RoleBased(r) if text_changed_by_redaction(&fix.new, &text) => {
                    Method::RoleBasedAndRedacted(r)
                }
                m => m,
            };
            (encoding.encode(&text), method)
        }
        None => (bytes.to_vec(), Method::Redacted),
    };
    // Whatever is left (binary files, UTF-16 without a BOM, values the spans did not cover):
    // overwrite every occurrence of the value itself, keeping the length.
    let (left, _) = found(detector, &out);
    if !left.is_empty() {
        for r in &removed {
            fill_occurrences(&mut out, r.value.expose());
        }
        for m in &left {
            fill_occurrences(&mut out, m.value.expose());
        }
    }
    let left = found(detector, &out).0.len();
    Some((out, method, removed, left))
}

fn text_changed_by_redaction(new: &Option<String>, after: &str) -> bool {
    new.as_deref().is_some_and(|n| n != after)
}

/// Replaces every credential in `text` by its marker (spans from the end, a few passes in case
/// removing one reveals another).
pub fn redact_text(detector: &Detector, text: &str) -> String {
    let mut text = text.to_string();
    for _ in 0..3 {
        let (matches, utf16) = found(detector, text.as_bytes());
        if matches.is_empty() || utf16 {
            break;
        }
        text = replace_spans(&text, &matches);
    }
    text
}

/// Replaces the matches' spans by markers (overlapping spans: the first wins).
fn replace_spans(text: &str, matches: &[Match]) -> String {
    let mut spans: Vec<(std::ops::Range<usize>, Kind)> =
        matches.iter().map(|m| (m.span.clone(), m.kind)).collect();
    spans.sort_by_key(|(s, _)| (s.start, std::cmp::Reverse(s.end)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, kind) in spans {
        if span.start < at || !text.is_char_boundary(span.start) || !text.is_char_boundary(span.end)
        {
            continue;
        }
        out.push_str(&text[at..span.start]);
        out.push_str(marker(kind));
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Overwrites each occurrence of `value` (as ASCII, UTF-16LE and UTF-16BE) with a marker of the
/// same byte length.
fn fill_occurrences(bytes: &mut [u8], value: &str) {
    if value.is_empty() {
        return;
    }
    let fill: Vec<u8> = b"ROLECALL-REDACTED-"
        .iter()
        .copied()
        .chain(std::iter::repeat(b'-'))
        .take(value.len())
        .collect();
    let le: Vec<u8> = value.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = value.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let fill_le: Vec<u8> = fill.iter().flat_map(|b| [*b, 0]).collect();
    let fill_be: Vec<u8> = fill.iter().flat_map(|b| [0, *b]).collect();
    for (needle, with) in [
        (value.as_bytes(), &fill),
        (&le[..], &fill_le),
        (&be[..], &fill_be),
    ] {
        while let Some(i) = memchr::memmem::find(bytes, needle) {
            bytes[i..i + needle.len()].copy_from_slice(with);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeKeys;

    #[test]
    fn markers_are_not_flagged_in_any_context() {
        let d = Detector::builtin();
        for kind in [Kind::AccessKeyId, Kind::SecretAccessKey, Kind::SessionToken] {
            let m = marker(kind);
            let text = format!(
                "aws_access_key_id = {m}\naws_secret_access_key = {m}\n\
                 AWS_SESSION_TOKEN=\"{m}\"\nkey: '{m}'\n"
            );
            assert!(d.scan(text.as_bytes()).matches.is_empty(), "{m} is flagged");
        }
        let mut fill = b"secret = \"".to_vec();
        let mut keys = FakeKeys::new(5);
        let s = keys.secret();
        fill.extend_from_slice(s.as_bytes());
        fill.extend_from_slice(b"\"\naws_secret_access_key=x\n");
        fill_occurrences(&mut fill, &s);
        assert!(d.scan(&fill).matches.is_empty());
    }

    #[test]
    fn unknown_files_are_redacted_and_binaries_keep_their_length() {
        let d = Detector::builtin();
        let pair = FakeKeys::new(11).pair();
        let text = format!("id {}\nsecret {}\n", pair.key_id, pair.secret);
        let (out, method, removed, left) =
            fix_bytes(&d, "notes.unknownext", text.as_bytes()).expect("credentials are found");
        let out = String::from_utf8(out).unwrap();
        assert_eq!(method, Method::Redacted);
        assert_eq!(left, 0);
        assert_eq!(removed.len(), 2);
        assert!(
            !out.contains(&pair.key_id) && !out.contains(&pair.secret),
            "{out}"
        );
        assert!(out.contains(marker(Kind::AccessKeyId)), "{out}");

        let mut bin = vec![0u8, 1, 2, 0];
        bin.extend_from_slice(text.as_bytes());
        bin.push(0);
        let (out, _, _, left) = fix_bytes(&d, "blob.bin", &bin).expect("found in binary");
        assert_eq!(out.len(), bin.len());
        assert_eq!(left, 0);
        assert!(memchr::memmem::find(&out, pair.secret.as_bytes()).is_none());
    }
}
