//! git access: opening repositories (also inside a pre-receive quarantine), reading every object
//! of a store once by walking each pack's delta forest ([`store`], [`visit`]), and attributing
//! matches to the commits that introduced them. git2 and gitoxide values are copied into owned
//! types here; this layer knows nothing of scanning.

pub mod attribute;
pub mod delta;
mod forest;
mod pack;
pub mod store;
pub mod visit;

pub use visit::ObjectKind;

use crate::error::{Error, ErrorKind, Result};
use crate::finding::CommitInfo;
use git2::{Oid, Repository};
use std::path::{Path, PathBuf};

/// How each worker thread opens its own handle (git2's `Repository` is not `Sync`).
#[derive(Debug, Clone)]
pub enum RepoOpener {
    /// Open the repository at this path (work tree or git dir).
    Path(PathBuf),
    /// Open from git's environment (`GIT_DIR`, `GIT_OBJECT_DIRECTORY`,
    /// `GIT_ALTERNATE_OBJECT_DIRECTORIES`): what a pre-receive hook needs to see quarantined
    /// objects.
    FromEnv,
    /// Open the repository at `git_dir` (ignoring git's environment) and add `extra` object
    /// directories as alternates: a pre-receive hook's view of the main store plus its
    /// quarantine, without relying on the process environment.
    WithObjects {
        /// The repository's git directory.
        git_dir: PathBuf,
        /// Extra object directories (the quarantine), read after the repository's own.
        extra: Vec<PathBuf>,
    },
}

impl RepoOpener {
    /// Opens a new handle.
    pub fn open(&self) -> Result<Repository> {
        tune_libgit2();
        match self {
            RepoOpener::Path(p) => open_repo(p),
            RepoOpener::FromEnv => Ok(Repository::open_from_env()?),
            RepoOpener::WithObjects { git_dir, extra } => {
                let repo = Repository::open_bare(git_dir)?;
                {
                    let odb = repo.odb()?;
                    for dir in extra {
                        odb.add_disk_alternate(&dir.to_string_lossy())?;
                    }
                }
                Ok(repo)
            }
        }
    }
}

/// Opens the repository at `path` (a work tree, a subdirectory of one, or a bare repository) with
/// clear errors for a missing path or a folder that is not a repository.
pub fn open_repo(path: &Path) -> Result<Repository> {
    tune_libgit2();
    if !path.exists() {
        return Err(Error::new(ErrorKind::NotFound(path.to_path_buf())));
    }
    Repository::open_ext(
        path,
        git2::RepositoryOpenFlags::empty(),
        std::iter::empty::<&Path>(),
    )
    .map_err(|e| {
        if e.code() == git2::ErrorCode::NotFound {
            Error::new(ErrorKind::NotARepository(path.to_path_buf()))
        } else {
            Error::from(e)
        }
    })
}

/// Process-wide libgit2 settings for fast bulk reads: no hash verification on read (a scanner
/// reads, it does not trust or write), and bigger pack windows.
pub fn tune_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        git2::opts::strict_hash_verification(false);
        // SAFETY: these only set libgit2 globals; called once, before any scan thread starts.
        unsafe {
            let _ = git2::opts::set_mwindow_size(64 * 1024 * 1024);
            let _ = git2::opts::set_mwindow_mapped_limit(1024 * 1024 * 1024);
        }
    });
}

/// Author/committer identity and date from a raw commit or tag header line, for example
/// `author Dana <d@x> 1700000000 +0100`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// `Name <email>`.
    pub who: String,
    /// Seconds since the epoch.
    pub time: i64,
    /// Offset from UTC in minutes.
    pub offset_minutes: i32,
}

impl Signature {
    /// Parses the part after `author `/`committer `/`tagger `.
    pub fn parse(line: &[u8]) -> Option<Signature> {
        let text = String::from_utf8_lossy(line);
        let close = text.rfind('>')?;
        let who = text[..=close].trim().to_string();
        let mut rest = text[close + 1..].split_whitespace();
        let time: i64 = rest.next()?.parse().ok()?;
        let tz = rest.next().unwrap_or("+0000");
        let sign = if tz.starts_with('-') { -1 } else { 1 };
        let digits: i32 = tz.trim_start_matches(['+', '-']).parse().unwrap_or(0);
        let offset_minutes = sign * ((digits / 100) * 60 + digits % 100);
        Some(Signature {
            who,
            time,
            offset_minutes,
        })
    }

    /// The date as ISO 8601 with its offset.
    pub fn iso_date(&self) -> String {
        iso8601(self.time, self.offset_minutes)
    }
}

/// A commit or annotated tag, parsed from its raw bytes.
#[derive(Debug, Clone)]
pub struct RawMessage<'a> {
    /// `author` (commits) or `tagger` (tags).
    pub signature: Option<Signature>,
    /// The message (after the blank line that ends the headers).
    pub message: &'a [u8],
}

/// Splits a raw commit or tag object into its signature and message.
pub fn parse_raw_message<'a>(raw: &'a [u8], signature_header: &str) -> RawMessage<'a> {
    let end = memchr::memmem::find(raw, b"\n\n")
        .map(|i| i + 2)
        .unwrap_or(raw.len());
    let headers = &raw[..end];
    let prefix = format!("{signature_header} ");
    let signature = headers
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(prefix.as_bytes()))
        .and_then(|l| Signature::parse(&l[prefix.len()..]));
    RawMessage {
        signature,
        message: &raw[end..],
    }
}

/// Owned commit facts for reports.
pub fn commit_info(repo: &Repository, id: Oid) -> Option<CommitInfo> {
    let commit = repo.find_commit(id).ok()?;
    let author = commit.author();
    let who = format!(
        "{} <{}>",
        String::from_utf8_lossy(author.name_bytes()),
        String::from_utf8_lossy(author.email_bytes())
    );
    let when = author.when();
    Some(CommitInfo {
        id: id.to_string(),
        author: who,
        date: iso8601(when.seconds(), when.offset_minutes()),
        summary: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default()).into_owned(),
    })
}

/// Formats a Unix time with an offset as ISO 8601 (`2024-01-31T09:15:00+01:00`).
pub fn iso8601(seconds: i64, offset_minutes: i32) -> String {
    let local = seconds + offset_minutes as i64 * 60;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.abs();
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        off / 60,
        off % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601(1_700_000_000, 60), "2023-11-14T23:13:20+01:00");
        assert_eq!(iso8601(951_782_400, -330), "2000-02-28T18:30:00-05:30");
    }

    #[test]
    fn raw_commit_is_split() {
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Dana <d@x> 1700000000 +0100\ncommitter Dana <d@x> 1700000000 +0100\n\nsubject\n\nbody\n";
        let parsed = parse_raw_message(raw, "author");
        assert_eq!(parsed.message, b"subject\n\nbody\n");
        let sig = parsed.signature.unwrap();
        assert_eq!(sig.who, "Dana <d@x>");
        assert_eq!(sig.offset_minutes, 60);
    }
}

#[cfg(test)]
mod store_tests;
