//! `rolecall fix --filter-repo FILE`: the `git filter-repo --replace-text` expressions that remove
//! every credential from a whole (already published) history. The file necessarily holds the
//! secrets themselves (filter-repo must find them), so it is created with 0600 permissions and
//! only its path is ever printed.

use super::tree::marker;
use crate::detect::Detector;
use crate::error::{Error, Result};
use crate::finding::{Encoding, Kind};
use crate::git::store::{ObjectStore, Selection};
use crate::scan::objects::scan_objects;
use crate::scan::range::{range_objects, ResolvedRange};
use crate::scan::ScanOptions;
use git2::Repository;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

/// One value to replace, with the encodings it was seen in.
#[derive(Debug, Clone)]
struct Value {
    kind: Kind,
    encodings: BTreeSet<Encoding>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expressions {
    /// Distinct credentials.
    pub credentials: usize,
    /// Expression lines written (a value can need several: base64, escaped forms).
    pub lines: usize,
}

/// Scans the objects of `range` (or, when `None`, every object in the repository) and writes the
/// expressions for every credential found into `path` (mode 0600).
pub fn write_expressions(
    repo: &Repository,
    detector: &Detector,
    range: Option<&ResolvedRange>,
    path: &Path,
) -> Result<Expressions> {
    let store = ObjectStore::of_repository(repo.path())?;
    let outcome = match range {
        Some(r) => {
            let ids: Vec<_> = range_objects(repo, r)?
                .into_iter()
                .map(crate::scan::history::to_object_id)
                .collect();
            scan_objects(
                &store,
                Selection::Ids(&ids),
                detector,
                &ScanOptions::default(),
            )?
        }
        None => scan_objects(&store, Selection::All, detector, &ScanOptions::default())?,
    };
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    for hit in &outcome.hits {
        for m in hit.matches.iter().filter(|m| !m.inline_allowed) {
            values
                .entry(m.value.expose().to_string())
                .or_insert_with(|| Value {
                    kind: m.kind,
                    encodings: BTreeSet::new(),
                })
                .encodings
                .insert(m.encoding);
        }
    }
    let mut text = String::from(
        "# git filter-repo --replace-text expressions written by rolecall.\n\
         # THIS FILE HOLDS LIVE SECRETS: delete it as soon as the rewrite is done.\n",
    );
    let mut lines = 0;
    for (value, v) in &values {
        for form in forms(value, &v.encodings) {
            text.push_str(&format!("literal:{form}==>{}\n", marker(v.kind)));
            lines += 1;
        }
    }
    write_private(path, text.as_bytes())?;
    Ok(Expressions {
        credentials: values.len(),
        lines,
    })
}

/// The forms a value takes in files: itself, and the encoded forms it was seen in.
fn forms(value: &str, encodings: &BTreeSet<Encoding>) -> Vec<String> {
    use base64::Engine;
    let mut out = vec![value.to_string()];
    for e in encodings {
        match e {
            Encoding::Base64 => {
                let b64 = base64::engine::general_purpose::STANDARD;
                out.push(b64.encode(value));
                out.push(b64.encode(format!("{value}\n")));
            }
            Encoding::JsonEscaped => out.push(value.replace('/', "\\/")),
            Encoding::UrlEncoded => out.push(value.replace('/', "%2F").replace('+', "%2B")),
            Encoding::Hex => out.push(value.bytes().map(|b| format!("{b:02x}")).collect()),
            // Transcoded or compressed text holds no literal form a text replacement could
            // reach; the rewrite reports such values as left behind.
            Encoding::Plain
            | Encoding::Utf16
            | Encoding::Utf32
            | Encoding::Gzip
            | Encoding::ArchiveMember => {}
        }
    }
    out.dedup();
    out
}

/// Creates or replaces `path` with owner-only permissions, then writes `bytes`.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| Error::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(path, e))?;
    }
    file.write_all(bytes).map_err(|e| Error::io(path, e))?;
    Ok(())
}

/// What to tell the user (never the file's contents).
pub fn render(path: &Path, written: &Expressions, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "rolecall: wrote {} replacement expression(s) for {} credential(s) to {} (mode 0600)",
        written.lines,
        written.credentials,
        path.display()
    )?;
    writeln!(
        out,
        "warning: that file holds the secrets themselves: never commit or share it, and delete \
         it once the rewrite is done"
    )?;
    writeln!(
        out,
        "run:     git filter-repo --replace-text {} (in a fresh clone, as filter-repo asks)",
        path.display()
    )?;
    writeln!(
        out,
        "cost:    rewriting published history changes every later commit id: after the forced \
         push every clone, fork and open pull request must re-clone (or hard-reset onto the new \
         history); old clones still hold the keys, so rotate them either way"
    )?;
    Ok(())
}
