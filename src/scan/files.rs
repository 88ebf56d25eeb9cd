//! File sources: a folder that is not a repository, a repository's uncommitted files, or text
//! from stdin.

use super::{assemble, ScanOptions, ScanReport, Skipped};
use crate::detect::Detector;
use crate::error::{Error, Result};
use crate::finding::Source;
use git2::{Repository, Status, StatusOptions};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Scans every regular file under `root` (symlinks are not followed; `.git` is skipped).
pub fn scan_folder(root: &Path, detector: &Detector, opts: &ScanOptions) -> Result<ScanReport> {
    if root.is_file() {
        // One file: reported by its name, relative to its folder.
        let folder = root.parent().unwrap_or(Path::new("."));
        return scan_files(folder, &[root.to_path_buf()], Source::File, detector, opts);
    }
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    walk(root, root, &mut files, &mut skipped);
    files.sort();
    let mut report = scan_files(root, &files, Source::File, detector, opts)?;
    report.skipped.extend(skipped);
    Ok(report)
}

/// Scans a repository's uncommitted files: modified, added and untracked (not ignored).
pub fn scan_worktree(
    repo: &Repository,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ScanReport> {
    let Some(root) = repo.workdir() else {
        return Ok(ScanReport::default());
    };
    let mut status_opts = StatusOptions::new();
    status_opts
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let statuses = repo.statuses(Some(&mut status_opts))?;
    let changed = Status::WT_NEW
        | Status::WT_MODIFIED
        | Status::INDEX_NEW
        | Status::INDEX_MODIFIED
        | Status::WT_RENAMED
        | Status::INDEX_RENAMED
        | Status::WT_TYPECHANGE;
    let mut files: Vec<PathBuf> = statuses
        .iter()
        .filter(|s| s.status().intersects(changed))
        .filter_map(|s| s.path().ok().map(|p| root.join(p)))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    scan_files(root, &files, Source::Worktree, detector, opts)
}

/// Scans `files` (absolute paths under `root`), reporting paths relative to `root`.
pub fn scan_files(
    root: &Path,
    files: &[PathBuf],
    source: Source,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ScanReport> {
    let started = Instant::now();
    let mut report = ScanReport::default();
    for file in files {
        if opts.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Error::new(crate::error::ErrorKind::Timeout));
        }
        report.stats.objects += 1;
        let rel = file.strip_prefix(root).unwrap_or(file);
        let rel = rel.to_string_lossy().replace('\\', "/");
        let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        if size > opts.max_blob_size {
            report.skipped.push(Skipped {
                what: rel,
                reason: format!(
                    "file of {size} bytes is over the {}-byte limit",
                    opts.max_blob_size
                ),
            });
            continue;
        }
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                report.skipped.push(Skipped {
                    what: rel,
                    reason: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        report.stats.blobs += 1;
        report.stats.bytes += bytes.len() as u64;
        let matches = detector.scan(&bytes).matches;
        let place = assemble::Place {
            path: Some(rel),
            source: Some(source),
            ..Default::default()
        };
        let (findings, suppressed) = assemble::findings_at(&matches, &place);
        report.findings.extend(findings);
        report.stats.suppressed += suppressed;
    }
    report.stats.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Scans text (for example from stdin) as one file named `name`.
pub fn scan_bytes(name: &str, bytes: &[u8], detector: &Detector) -> ScanReport {
    let matches = detector.scan(bytes).matches;
    let place = assemble::Place {
        path: Some(name.to_string()),
        source: Some(Source::File),
        ..Default::default()
    };
    let (findings, suppressed) = assemble::findings_at(&matches, &place);
    let mut report = ScanReport {
        findings,
        ..Default::default()
    };
    report.stats.objects = 1;
    report.stats.blobs = 1;
    report.stats.bytes = bytes.len() as u64;
    report.stats.suppressed = suppressed;
    report
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<PathBuf>, skipped: &mut Vec<Skipped>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            skipped.push(Skipped {
                what: dir.strip_prefix(root).unwrap_or(dir).display().to_string(),
                reason: format!("cannot read folder: {e}"),
            });
            return;
        }
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if entry.file_name() != ".git" {
                walk(root, &path, files, skipped);
            }
        } else if kind.is_file() {
            files.push(path);
        }
    }
}
