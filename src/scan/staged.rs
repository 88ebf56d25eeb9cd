//! Staged scans (`rolecall scan --staged`, what a pre-commit hook runs): the blobs the index holds
//! that `HEAD` does not have at the same path, i.e. exactly what the next commit would add.
//! Unstaged changes in the work tree are not looked at. Findings carry their path and the source
//! `worktree`.
//!
//! Like git, the index file named by `GIT_INDEX_FILE` is used when that variable is set: `git
//! commit -a` and `git commit PATH` run the pre-commit hook against a temporary index.

use super::{assemble, ScanOptions, ScanReport, Skipped};
use crate::detect::Detector;
use crate::error::{Error, Result};
use crate::finding::Source;
use git2::{Delta, DiffOptions, FileMode, Index, Oid, Repository};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One staged file: its blob and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFile {
    /// The blob in the index.
    pub blob: Oid,
    /// Repository-relative path.
    pub path: String,
}

/// The index the next commit is built from: `GIT_INDEX_FILE` (relative to the current folder,
/// as git hooks receive it) when set, otherwise the repository's own index.
pub fn staged_index(repo: &Repository) -> Result<Index> {
    match std::env::var_os("GIT_INDEX_FILE") {
        Some(file) if !file.is_empty() => {
            let path = PathBuf::from(file);
            let path = if path.is_absolute() {
                path
            } else {
                std::env::current_dir().map_err(Error::from)?.join(path)
            };
            open_index(&path)
        }
        _ => Ok(repo.index()?),
    }
}

fn open_index(path: &Path) -> Result<Index> {
    if !path.exists() {
        return Err(Error::new(crate::error::ErrorKind::NotFound(
            path.to_path_buf(),
        )));
    }
    Ok(Index::open(path)?)
}

/// The files `index` adds or changes compared with `HEAD` (everything, before the first commit).
/// Deletions and submodules (gitlinks) are left out.
pub fn staged_files(repo: &Repository, index: &Index) -> Result<Vec<StagedFile>> {
    let head_tree = match repo.head() {
        Ok(head) => Some(head.peel_to_tree()?),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => None,
        Err(e) if e.code() == git2::ErrorCode::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    let mut diff_opts = DiffOptions::new();
    diff_opts.include_typechange(true).ignore_submodules(true);
    let diff = repo.diff_tree_to_index(head_tree.as_ref(), Some(index), Some(&mut diff_opts))?;
    let mut files = Vec::new();
    for delta in diff.deltas() {
        if !matches!(
            delta.status(),
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) {
            continue;
        }
        let new = delta.new_file();
        if new.id().is_zero() || matches!(new.mode(), FileMode::Commit | FileMode::Tree) {
            continue;
        }
        let Some(path) = new.path_bytes() else {
            continue;
        };
        files.push(StagedFile {
            blob: new.id(),
            path: String::from_utf8_lossy(path).replace('\\', "/"),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Scans what is staged for the next commit (see the module docs).
pub fn scan_staged(
    repo: &Repository,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ScanReport> {
    let started = Instant::now();
    let index = staged_index(repo)?;
    let files = staged_files(repo, &index)?;
    let odb = repo.odb()?;
    let mut report = ScanReport::default();
    // One blob staged at several paths is read and scanned once.
    let mut scanned: HashMap<Oid, Vec<crate::detect::Match>> = HashMap::new();
    for file in &files {
        report.stats.objects += 1;
        if let Entry::Vacant(slot) = scanned.entry(file.blob) {
            let (size, _) = match odb.read_header(file.blob) {
                Ok(h) => h,
                Err(e) => {
                    report.skipped.push(skip(file, e.message()));
                    continue;
                }
            };
            if size as u64 > opts.max_blob_size {
                let reason = format!(
                    "blob of {size} bytes is over the {}-byte limit (--max-blob-size)",
                    opts.max_blob_size
                );
                report.skipped.push(skip(file, &reason));
                continue;
            }
            let object = match odb.read(file.blob) {
                Ok(o) => o,
                Err(e) => {
                    report.skipped.push(skip(file, e.message()));
                    continue;
                }
            };
            report.stats.blobs += 1;
            report.stats.bytes += object.data().len() as u64;
            slot.insert(detector.scan(object.data()).matches);
        }
        let place = assemble::Place {
            path: Some(file.path.clone()),
            source: Some(Source::Worktree),
            blob: Some(file.blob.to_string()),
            ..Default::default()
        };
        let (findings, suppressed) = assemble::findings_at(&scanned[&file.blob], &place);
        report.findings.extend(findings);
        report.stats.suppressed += suppressed;
    }
    // The staged changes are the next commit: a key ID and its secret staged in different files
    // pair as they would in that commit.
    let everything: Vec<usize> = (0..report.findings.len()).collect();
    assemble::pair_group(&mut report.findings, &everything);
    assemble::sort_findings(&mut report.findings);
    report.stats.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn skip(file: &StagedFile, reason: &str) -> Skipped {
    Skipped {
        what: file.path.clone(),
        reason: format!("cannot scan the staged blob {}: {reason}", file.blob),
    }
}
