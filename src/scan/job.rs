//! A whole `rolecall scan` run as the library sees it: target → scan → policy (config, baseline)
//! → report → exit code. The CLI builds a [`ScanJob`] from its options and calls [`run_job`];
//! tests call the same function.

use super::pushed::{scan_pushed, PushSpec};
use super::range::{scan_range, RangeSpec};
use super::{files, run_with_repo, staged, ScanOptions, ScanReport};
use crate::detect::Detector;
use crate::error::{Error, ErrorKind, Result};
use crate::exit::ExitCode;
use crate::finding::Severity;
use crate::git::open_repo;
use crate::policy::{Baseline, Config, Policy};
use crate::report::{write_report, Format, ReportOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to scan.
#[derive(Debug, Clone)]
pub enum Target {
    /// A repository's whole history (plus uncommitted files with `worktree`), or a plain folder.
    Path {
        /// The repository or folder.
        path: PathBuf,
        /// Also scan uncommitted files.
        worktree: bool,
    },
    /// The commits `git rev-list BASE..HEAD` lists, with the blobs they introduce, their
    /// messages and the annotated tags pointing at them.
    Range {
        /// The repository.
        repo: PathBuf,
        /// Leave out what is reachable from this revision (`None`: every commit reachable from
        /// `head`).
        base: Option<String>,
        /// Scan what is reachable from this revision.
        head: String,
    },
    /// Every commit a push to a remote could add (see [`super::pushed`]): what a pre-push hook
    /// scans when it is not told exactly which refs are pushed.
    Pushed {
        /// The repository.
        repo: PathBuf,
        /// The remote, the revisions the push names, and what the remote is known to have.
        spec: PushSpec,
    },
    /// What is staged for the next commit (the index compared with `HEAD`).
    Staged {
        /// The repository.
        repo: PathBuf,
    },
    /// Text given directly (for example piped to stdin), scanned as one file.
    Stdin {
        /// The name findings are reported under.
        name: String,
        /// The text.
        bytes: Vec<u8>,
    },
}

/// A complete scan run.
#[derive(Debug, Clone)]
pub struct ScanJob {
    /// What to scan.
    pub target: Target,
    /// Output format.
    pub format: Format,
    /// Colour in human output.
    pub color: bool,
    /// Explicit config file (otherwise `.rolecall.toml` at the repository root, if any).
    pub config: Option<PathBuf>,
    /// Suppress findings recorded in this baseline.
    pub baseline: Option<PathBuf>,
    /// Write today's findings to this baseline file.
    pub write_baseline: Option<PathBuf>,
    /// Overrides the config's `fail_on`.
    pub fail_on: Option<Severity>,
    /// Engine knobs.
    pub options: ScanOptions,
}

/// Runs a scan job, writes the report to `out`, and returns the exit code: 0 clean, 1 findings at
/// or above the failing severity, 2 when the scan was incomplete (and nothing failed) or errored.
pub fn run_job(job: &ScanJob, out: &mut dyn Write) -> Result<ExitCode> {
    let detector = Detector::shared();
    let (report, root) = scan_target(&job.target, detector, &job.options)?;
    let config = match &job.config {
        Some(path) => Config::load(path)?,
        None => Config::discover(&root)?,
    };
    let baseline = job.baseline.as_deref().map(Baseline::load).transpose()?;
    finish(job, config, baseline, report, out)
}

/// Applies policy to a finished report, writes it, and decides the exit code.
pub fn finish(
    job: &ScanJob,
    config: Config,
    baseline: Option<Baseline>,
    mut report: ScanReport,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let mut config = config;
    if let Some(sev) = job.fail_on {
        config.fail_on = sev;
    }
    let policy = Policy::new(&config, baseline.as_ref())?;
    let (kept, suppressed) = policy.apply(std::mem::take(&mut report.findings));
    report.findings = kept;
    report.stats.suppressed += suppressed;
    if let Some(path) = &job.write_baseline {
        Baseline::from_findings(&report.findings).write(path)?;
    }
    let opts = ReportOptions {
        color: job.color,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    write_report(job.format, &report, out, &opts)?;
    out.flush().map_err(Error::from)?;
    Ok(exit_code(&policy, &report))
}

fn exit_code(policy: &Policy, report: &ScanReport) -> ExitCode {
    if policy.fails(&report.findings) {
        ExitCode::Found
    } else if report.incomplete() {
        ExitCode::Error
    } else {
        ExitCode::Clean
    }
}

/// Scans the target; returns the report and the folder whose `.rolecall.toml` applies.
fn scan_target(
    target: &Target,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<(ScanReport, PathBuf)> {
    match target {
        Target::Path { path, worktree } => scan_path(path, *worktree, detector, opts),
        Target::Range { repo, base, head } => {
            let git = open_repo(repo)?;
            let spec = RangeSpec {
                base: base.clone(),
                head: head.clone(),
            };
            Ok((scan_range(&git, &spec, detector, opts)?, repo_root(&git)))
        }
        Target::Pushed { repo, spec } => {
            let git = open_repo(repo)?;
            Ok((scan_pushed(&git, spec, detector, opts)?, repo_root(&git)))
        }
        Target::Staged { repo } => {
            let git = open_repo(repo)?;
            Ok((staged::scan_staged(&git, detector, opts)?, repo_root(&git)))
        }
        Target::Stdin { name, bytes } => Ok((
            files::scan_bytes(name, bytes, detector),
            std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        )),
    }
}

/// The folder whose `.rolecall.toml` applies to a repository: its work tree, or the git folder
/// of a bare repository.
fn repo_root(repo: &git2::Repository) -> PathBuf {
    repo.workdir().unwrap_or(repo.path()).to_path_buf()
}

/// Whether `path` is the repository itself (its work tree or git folder) rather than a file or
/// a folder inside its work tree.
fn is_work_tree_root(repo: &git2::Repository, path: &Path) -> bool {
    let Ok(given) = path.canonicalize() else {
        return true;
    };
    if given.is_file() {
        return false;
    }
    let same = |p: &Path| p.canonicalize().is_ok_and(|p| p == given);
    repo.workdir().map_or(true, same)
        || same(repo.path())
        || !given.starts_with(
            repo.workdir()
                .and_then(|w| w.canonicalize().ok())
                .unwrap_or_default(),
        )
}

fn scan_path(
    path: &Path,
    worktree: bool,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<(ScanReport, PathBuf)> {
    match open_repo(path) {
        // A file, or a folder inside a work tree: scan that file or folder as it is on disk
        // (with the repository's config).
        Ok(repo) if !is_work_tree_root(&repo, path) => {
            let root = repo_root(&repo);
            Ok((files::scan_folder(path, detector, opts)?, root))
        }
        Ok(repo) => {
            let root = repo_root(&repo);
            Ok((run_with_repo(&repo, worktree, detector, opts)?, root))
        }
        Err(e) if matches!(e.kind(), ErrorKind::NotARepository(_)) => {
            let root = if path.is_file() {
                path.parent().unwrap_or(Path::new(".")).to_path_buf()
            } else {
                path.to_path_buf()
            };
            Ok((files::scan_folder(path, detector, opts)?, root))
        }
        Err(e) => Err(e),
    }
}
