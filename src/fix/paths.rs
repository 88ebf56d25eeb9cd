//! Fixing files on disk: walk a repository's working tree (or the files and folders given), read
//! each text file (UTF-8, UTF-8 with BOM, UTF-16 with BOM), run [`fix_text`] on it, and collect
//! the results. [`FixRun::diff`] is one patch that `git apply` accepts from the repository root;
//! [`FixRun::write`] applies the fixes in place, in each file's own encoding.
//!
//! Skipped: `.git`, paths git ignores (when walking folders), symlinks, nested repositories, files
//! over the size cap. Binary files and files in an unknown encoding that hold credentials are
//! reported as needing a hand, never rewritten.

use super::{fix_text, unified_diff, FileFix, ManualFix};
use crate::detect::Detector;
use crate::error::{Error, ErrorKind, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What to fix.
#[derive(Debug, Clone)]
pub struct FixPathsConfig {
    /// Folders and files (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Files larger than this many bytes are skipped (and listed as skipped).
    pub max_file_size: u64,
}

impl Default for FixPathsConfig {
    fn default() -> FixPathsConfig {
        FixPathsConfig {
            paths: vec![PathBuf::from(".")],
            max_file_size: 2 * 1024 * 1024,
        }
    }
}

/// How a file's text was stored, so that the fix is written back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 without a BOM.
    Utf8,
    /// UTF-8 with a byte-order mark.
    Utf8Bom,
    /// UTF-16 little-endian with a BOM.
    Utf16Le,
    /// UTF-16 big-endian with a BOM.
    Utf16Be,
}

impl TextEncoding {
    /// Encodes text (without BOM) into this encoding's bytes (with BOM where it has one).
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            TextEncoding::Utf8 => text.as_bytes().to_vec(),
            TextEncoding::Utf8Bom => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
            TextEncoding::Utf16Le => [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
            TextEncoding::Utf16Be => [0xFE, 0xFF]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
                .collect(),
        }
    }

    /// Decodes file bytes: `Ok(None)` for binary or undecodable content.
    pub fn decode(bytes: &[u8]) -> Option<(TextEncoding, String)> {
        let utf16 = |body: &[u8], le: bool| -> Option<String> {
            if body.len() % 2 != 0 {
                return None;
            }
            let units = body.chunks_exact(2).map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            });
            char::decode_utf16(units)
                .collect::<std::result::Result<String, _>>()
                .ok()
        };
        match bytes {
            [0xEF, 0xBB, 0xBF, rest @ ..] => {
                let s = std::str::from_utf8(rest).ok()?;
                Some((TextEncoding::Utf8Bom, s.to_string()))
            }
            [0xFF, 0xFE, rest @ ..] => Some((TextEncoding::Utf16Le, utf16(rest, true)?)),
            [0xFE, 0xFF, rest @ ..] => Some((TextEncoding::Utf16Be, utf16(rest, false)?)),
            _ => {
                if bytes[..bytes.len().min(8000)].contains(&0) {
                    return None;
                }
                let s = std::str::from_utf8(bytes).ok()?;
                Some((TextEncoding::Utf8, s.to_string()))
            }
        }
    }
}

/// One file that holds credentials, and what the fixer did with it.
#[derive(Debug, Clone)]
pub struct FixedFile {
    /// The fix (paths are repository-relative).
    pub fix: FileFix,
    /// The file's encoding.
    pub encoding: TextEncoding,
    /// Where the file is.
    pub abs_path: PathBuf,
    /// The file's bytes as read.
    pub original: Vec<u8>,
}

/// A file that was not looked at, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// Repository-relative path.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// The result of fixing a set of paths.
#[derive(Debug, Clone)]
pub struct FixRun {
    /// The repository root (or, outside git, the folder paths are relative to).
    pub root: PathBuf,
    /// Whether `root` is a git work tree.
    pub in_git: bool,
    /// Files with credentials, sorted by path.
    pub files: Vec<FixedFile>,
    /// Files not looked at.
    pub skipped: Vec<SkippedFile>,
    /// How many text files were read.
    pub visited: usize,
}

impl FixRun {
    /// One patch for every rewritten file, relative to the root (`git apply` from there).
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            let Some(new) = &f.fix.new else { continue };
            match f.encoding {
                TextEncoding::Utf8 => out.push_str(&unified_diff(&f.fix.path, &f.fix.old, new)),
                TextEncoding::Utf8Bom => {
                    let old = format!("\u{feff}{}", f.fix.old);
                    out.push_str(&unified_diff(&f.fix.path, &old, &format!("\u{feff}{new}")));
                }
                TextEncoding::Utf16Le | TextEncoding::Utf16Be => out.push_str(&binary_diff(
                    &f.fix.path,
                    &f.original,
                    &f.encoding.encode(new),
                )),
            }
        }
        out
    }

    /// Files that were rewritten.
    pub fn changed(&self) -> impl Iterator<Item = &FixedFile> {
        self.files.iter().filter(|f| f.fix.new.is_some())
    }

    /// Every spot that needs a hand, with its path.
    pub fn manual(&self) -> impl Iterator<Item = (&str, &ManualFix)> {
        self.files
            .iter()
            .flat_map(|f| f.fix.manual.iter().map(move |m| (f.fix.path.as_str(), m)))
    }

    /// Writes every rewritten file in place (same encoding, same permissions); refuses a file
    /// that changed on disk since it was read. Returns the paths written.
    pub fn write(&self) -> Result<Vec<String>> {
        let mut written = Vec::new();
        for f in self.changed() {
            let new = f.fix.new.as_deref().expect("changed files have new text");
            let now = std::fs::read(&f.abs_path).map_err(|e| Error::io(&f.abs_path, e))?;
            if now != f.original {
                return Err(Error::input(format!(
                    "{} changed on disk while rolecall was fixing it; run rolecall fix again",
                    f.fix.path
                )));
            }
            let tmp = f.abs_path.with_file_name(format!(
                ".{}.rolecall-tmp",
                f.abs_path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("file")
            ));
            std::fs::write(&tmp, f.encoding.encode(new)).map_err(|e| Error::io(&tmp, e))?;
            let perms = std::fs::metadata(&f.abs_path)
                .map_err(|e| Error::io(&f.abs_path, e))?
                .permissions();
            std::fs::set_permissions(&tmp, perms).map_err(|e| Error::io(&tmp, e))?;
            std::fs::rename(&tmp, &f.abs_path).map_err(|e| Error::io(&f.abs_path, e))?;
            written.push(f.fix.path.clone());
        }
        Ok(written)
    }
}

/// A git binary patch (full index line, as `git apply` requires for binary files).
fn binary_diff(path: &str, old: &[u8], new: &[u8]) -> String {
    let mut opts = git2::DiffOptions::new();
    opts.show_binary(true).force_binary(true);
    let p = Path::new(path);
    let patch = git2::Patch::from_buffers(old, Some(p), new, Some(p), Some(&mut opts));
    match patch.and_then(|mut p| p.to_buf()) {
        Ok(buf) => String::from_utf8_lossy(&buf).into_owned(),
        Err(_) => String::new(),
    }
}

/// Where paths are relative to: the git work tree holding `start`, or `start` itself.
fn find_root(start: &Path) -> (PathBuf, Option<git2::Repository>) {
    let dir = if start.is_dir() {
        start
    } else {
        start.parent().unwrap_or(start)
    };
    if let Ok(repo) = git2::Repository::discover(dir) {
        if let Some(wd) = repo.workdir().and_then(|w| w.canonicalize().ok()) {
            return (wd, Some(repo));
        }
    }
    (dir.to_path_buf(), None)
}

fn rel_path(root: &Path, abs: &Path) -> Option<String> {
    let rel = abs.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Fixes every file under `config.paths`. `visit` sees every text file read
/// (`path`, `text`, whether it holds credentials), for example to infer the IAM role.
pub fn fix_paths(
    detector: &Detector,
    config: &FixPathsConfig,
    visit: &mut dyn FnMut(&str, &str, bool),
) -> Result<FixRun> {
    let paths = if config.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        config.paths.clone()
    };
    let mut abs = Vec::new();
    for p in &paths {
        let a = p.canonicalize().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::new(ErrorKind::NotFound(p.clone())),
            _ => Error::io(p, e),
        })?;
        abs.push(a);
    }
    let (root, repo) = find_root(&abs[0]);
    let mut files: BTreeSet<(String, PathBuf)> = BTreeSet::new();
    let mut run = FixRun {
        root: root.clone(),
        in_git: repo.is_some(),
        files: Vec::new(),
        skipped: Vec::new(),
        visited: 0,
    };
    for (a, given) in abs.iter().zip(&paths) {
        let Some(rel) = rel_path(&root, a) else {
            return Err(Error::input(format!(
                "{} is outside {} (fix one repository at a time)",
                given.display(),
                root.display()
            )));
        };
        if a.is_dir() {
            walk(&root, a, repo.as_ref(), &mut files, &mut run.skipped)?;
        } else {
            files.insert((rel, a.clone()));
        }
    }
    for (rel, path) in files {
        let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.len() > config.max_file_size {
            run.skipped.push(SkippedFile {
                path: rel,
                reason: format!("larger than {} bytes", config.max_file_size),
            });
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let Some((encoding, text)) = TextEncoding::decode(&bytes) else {
            undecodable(detector, rel, path, bytes, &mut run);
            continue;
        };
        run.visited += 1;
        let fix = fix_text(detector, &rel, &text);
        let has_findings = fix.new.is_some() || !fix.manual.is_empty();
        visit(&rel, &text, has_findings);
        if has_findings {
            run.files.push(FixedFile {
                fix,
                encoding,
                abs_path: path,
                original: bytes,
            });
        }
    }
    Ok(run)
}

/// A binary or undecodable file: reported when it holds credentials, never rewritten.
fn undecodable(detector: &Detector, rel: String, path: PathBuf, bytes: Vec<u8>, run: &mut FixRun) {
    let scan = detector.scan(&bytes);
    let matches: Vec<_> = scan.matches.iter().filter(|m| !m.inline_allowed).collect();
    let Some(first) = matches.first() else { return };
    let what = if scan.binary {
        "a binary file"
    } else {
        "a file in an encoding rolecall does not rewrite (not UTF-8, nor UTF-16 with a BOM)"
    };
    let fix = FileFix {
        path: rel.clone(),
        old: String::new(),
        new: None,
        rewriter: None,
        notes: Vec::new(),
        manual: vec![ManualFix {
            line: first.line,
            reason: format!("{} in {what}", first.kind.label()),
            advice: "remove the credential at its source (regenerate the file without it), then rotate the key".into(),
        }],
    };
    run.files.push(FixedFile {
        fix,
        encoding: TextEncoding::Utf8,
        abs_path: path,
        original: bytes,
    });
}

/// Collects the files under `dir`, sorted, skipping `.git`, ignored paths, symlinks and nested
/// repositories.
fn walk(
    root: &Path,
    dir: &Path,
    repo: Option<&git2::Repository>,
    out: &mut BTreeSet<(String, PathBuf)>,
    skipped: &mut Vec<SkippedFile>,
) -> Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&d, e))?;
            let path = entry.path();
            let name = entry.file_name();
            if name == ".git" {
                continue;
            }
            let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
            if ft.is_symlink() {
                continue;
            }
            let Some(rel) = rel_path(root, &path) else {
                continue;
            };
            if let Some(r) = repo {
                let rel_for_git = if ft.is_dir() {
                    format!("{rel}/")
                } else {
                    rel.clone()
                };
                if r.is_path_ignored(Path::new(&rel_for_git)).unwrap_or(false) {
                    continue;
                }
            }
            if ft.is_dir() {
                if path.join(".git").exists() && path != root {
                    skipped.push(SkippedFile {
                        path: rel,
                        reason: "a nested git repository (fix it on its own)".into(),
                    });
                    continue;
                }
                stack.push(path);
            } else if ft.is_file() {
                out.insert((rel, path));
            }
        }
    }
    Ok(())
}
