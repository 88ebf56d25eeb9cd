//! `rolecall scan`: options → a validated [`ScanJob`] → [`run_job`].

use anyhow::Context;
use clap::{ArgGroup, Args, ValueEnum};
use rolecall::finding::Severity;
use rolecall::report::{Format, ReportOptions};
use rolecall::scan::job::{run_job, ScanJob, Target};
use rolecall::scan::pushed::PushSpec;
use rolecall::scan::range::RangeSpec;
use rolecall::scan::ScanOptions;
use rolecall::ExitCode;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("mode").args(["range", "since", "staged", "stdin", "pushed_to"])))]
#[command(group(ArgGroup::new("fleet").args(["repos", "repos_from"])))]
pub struct ScanOpts {
    /// Repository (its whole history) or folder to scan; with --range, --since or --staged, the
    /// repository.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Also scan uncommitted files of the repository.
    #[arg(long, conflicts_with = "mode")]
    pub worktree: bool,
    /// Scan only the commits `git rev-list BASE..HEAD` lists (each commit, its message, the
    /// blobs it introduces, annotated tags on it). A single REV scans every commit reachable
    /// from it.
    #[arg(long, value_name = "BASE..HEAD")]
    pub range: Option<String>,
    /// Shorthand for --range REV..HEAD.
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// Scan only what is staged for the next commit (for a pre-commit hook).
    #[arg(long)]
    pub staged: bool,
    /// Scan every commit a push to REMOTE could add: the commits of every local branch, HEAD and
    /// each --push-ref that are not reachable from REMOTE's remote-tracking refs or a
    /// --remote-has (for pre-push hooks that are not told every pushed ref, like pre-commit's).
    #[arg(long, value_name = "REMOTE")]
    pub pushed_to: Option<String>,
    /// With --pushed-to: a revision the push sends besides the local branches and HEAD.
    #[arg(long, value_name = "REV", requires = "pushed_to")]
    pub push_ref: Vec<String>,
    /// With --pushed-to: a revision the remote already has (the old value of an updated ref).
    #[arg(long, value_name = "REV", requires = "pushed_to")]
    pub remote_has: Vec<String>,
    /// Scan text read from standard input.
    #[arg(long)]
    pub stdin: bool,
    /// Scan every git repository under DIR (bare or with a work tree, nested at any depth) on
    /// one shared pool of workers; findings carry `repo`, their path relative to DIR.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["mode", "worktree"])]
    pub repos: Option<PathBuf>,
    /// Scan the repositories listed in FILE, one path per line (`-`: standard input).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["mode", "worktree"])]
    pub repos_from: Option<PathBuf>,
    /// Fleet scans: record what was scanned in this folder (one file per repository) and read
    /// only what was added since the last run; earlier findings are reported as `known`.
    #[arg(long, value_name = "DIR", requires = "fleet")]
    pub state: Option<PathBuf>,
    /// Fleet scans: scan only shard I of N (a stable hash of each repository's path; shards
    /// 1..N together cover every repository once).
    #[arg(long, value_name = "I/N", requires = "fleet")]
    pub shard: Option<String>,
    /// Fleet scans: print the names of the repositories this run would scan (after --shard),
    /// one per line, and scan nothing (for example to clone only a shard's repositories).
    #[arg(long, requires = "fleet")]
    pub list_repos: bool,
    /// The name that findings in standard input are reported under.
    #[arg(
        long,
        value_name = "NAME",
        requires = "stdin",
        default_value = "<stdin>"
    )]
    pub stdin_name: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Config file (default: .rolecall.toml at the repository root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Lowest severity that makes the scan fail (overrides the config).
    #[arg(long, value_enum)]
    pub fail_on: Option<SeverityArg>,
    /// Skip blobs larger than this many bytes (reported as skipped). Default: no limit (blobs
    /// too large for memory are scanned as a stream).
    #[arg(long, value_name = "BYTES")]
    pub max_blob_size: Option<u64>,
    /// Scan every blob of history whole instead of scanning each delta by what it adds (the
    /// reference path; slower, same findings).
    #[arg(long)]
    pub whole_blobs: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub threads: usize,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Print nothing on standard output when the scan is clean (for hooks); findings, an
    /// incomplete scan and errors are reported as usual. --output files are always written.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
    Jsonl,
    Sarif,
    Github,
    Junit,
    Html,
    /// GitLab's secret-detection report (artifacts:reports:secret_detection).
    Gitlab,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
            FormatArg::Junit => Format::Junit,
            FormatArg::Html => Format::Html,
            FormatArg::Gitlab => Format::Gitlab,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(arg: SeverityArg) -> Severity {
        match arg {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl ScanOpts {
    /// What to scan, from the mutually exclusive modes (clap enforces the exclusion). Standard
    /// input is read here, so that the library only sees bytes.
    fn target(&mut self) -> anyhow::Result<Target> {
        let path = self.path.clone();
        let range = match (&self.range, &self.since) {
            (Some(spec), _) => Some(RangeSpec::parse(spec)?),
            (None, Some(rev)) => Some(RangeSpec::since(rev)),
            (None, None) => None,
        };
        Ok(if let Some(RangeSpec { base, head }) = range {
            Target::Range {
                repo: path,
                base,
                head,
            }
        } else if let Some(remote) = &self.pushed_to {
            Target::Pushed {
                repo: path,
                spec: PushSpec {
                    remote: remote.clone(),
                    refs: self.push_ref.clone(),
                    remote_has: self.remote_has.clone(),
                },
            }
        } else if self.staged {
            Target::Staged { repo: path }
        } else if self.stdin {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
            Target::Stdin {
                name: self.stdin_name.clone(),
                bytes,
            }
        } else {
            Target::Path {
                path,
                worktree: self.worktree,
            }
        })
    }

    /// Validates the options into the library's job description.
    fn into_job(mut self) -> anyhow::Result<ScanJob> {
        let target = self.target()?;
        let to_file = self.output.is_some();
        let color = match self.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => super::terminal_colors(!to_file && std::io::stdout().is_terminal()),
        };
        Ok(ScanJob {
            target,
            format: self.format.into(),
            color,
            config: self.config,
            baseline: self.baseline,
            write_baseline: self.write_baseline,
            fail_on: self.fail_on.map(Severity::from),
            options: ScanOptions {
                max_blob_size: self.max_blob_size.unwrap_or(u64::MAX),
                whole_blobs: self.whole_blobs,
                threads: self.threads,
                progress: !self.no_progress,
                ..ScanOptions::default()
            },
        })
    }
}

pub fn run(opts: ScanOpts) -> anyhow::Result<ExitCode> {
    if opts.repos.is_some() || opts.repos_from.is_some() {
        return super::fleet::run(opts);
    }
    let output = opts.output.clone();
    let quiet = opts.quiet;
    let job = opts.into_job()?;
    // The report is built in memory and written once: a scan that fails leaves the failure
    // document of its format (SARIF, GitLab, JSON), never an empty or half-written file.
    let mut report = Vec::new();
    let result = run_job(&job, &mut report);
    let mut written = result.is_ok();
    if let Err(err) = &result {
        report.clear();
        let opts = ReportOptions::default();
        written =
            rolecall::report::write_failure(job.format, &format!("{err:#}"), &mut report, &opts)?;
    }
    match output {
        // A format with no failure document leaves no file behind when the scan fails.
        Some(_) if !written => {}
        Some(path) => {
            std::fs::write(&path, &report)
                .with_context(|| format!("cannot write {}", path.display()))?;
            // The report went to a file: a person at a terminal still gets the verdict.
            if std::io::stdout().is_terminal() {
                let verdict = match &result {
                    Ok(ExitCode::Clean) => "no credentials found",
                    Ok(ExitCode::Found) => "credentials found",
                    _ => "the scan is incomplete",
                };
                let _ = writeln!(
                    std::io::stdout(),
                    "rolecall: {verdict}; report written to {}",
                    rolecall::model::display::clean(&path.display().to_string())
                );
            }
        }
        None if quiet && matches!(result, Ok(ExitCode::Clean)) => {}
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let written = out.write_all(&report).and_then(|()| out.flush());
            // A reader that went away (`rolecall scan | head`) is no error: the verdict stands.
            match written {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.context("cannot write the report")?,
            }
        }
    }
    Ok(result?)
}
