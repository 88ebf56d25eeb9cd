//! `rolecall fix [PATH...]`: print (or `--write`) the patch that swaps hardcoded AWS keys for the
//! default credential chain, list what needs a hand, and (`--iam DIR`) write the IAM role.

use anyhow::Context;
use clap::{Args, ValueEnum};
use rolecall::detect::Detector;
use rolecall::fix::paths::{fix_paths, FixPathsConfig, FixRun};
use rolecall::iam::{build_artefacts, Format, IamCollector, IamConfig, Runtime};
use rolecall::model::display::clean;
use rolecall::ExitCode;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct FixOpts {
    /// Repository, folders or files to fix (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Apply the fix to the files in place instead of printing the patch.
    #[arg(long)]
    pub write: bool,
    /// Write the IAM role (trust policy, least-privilege permissions, Terraform, CloudFormation)
    /// into DIR.
    #[arg(long, value_name = "DIR")]
    pub iam: Option<PathBuf>,
    /// Formats of the role artefacts (default: all three).
    #[arg(long, value_enum, value_delimiter = ',', requires = "iam")]
    pub iam_format: Vec<IamFormat>,
    /// Where the code runs (decides who may assume the role); guessed from the repository when
    /// unset.
    #[arg(long, value_enum)]
    pub runs_on: Option<RunsOn>,
    /// The role's name (default: the repository's folder name + `-role`).
    #[arg(long, requires = "iam")]
    pub role_name: Option<String>,
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_file_size: u64,
    /// Rewrite the unpushed commits of RANGE (default `@{upstream}..HEAD`, or without an
    /// upstream `HEAD --not --remotes`: the commits no remote-tracking ref has) so that none holds a
    /// key, move the branch (backup in refs/rolecall/backup/), rescan, and say how to rotate.
    #[arg(
        long,
        value_name = "RANGE",
        num_args = 0..=1,
        default_missing_value = rolecall::rewrite::plan::DEFAULT_RANGE
    )]
    pub rewrite: Option<String>,
    /// With --rewrite: show what would change per commit and the new tip; change nothing.
    #[arg(long, requires = "rewrite")]
    pub dry_run: bool,
    /// Write the `git filter-repo --replace-text` expressions for every key in the history (or
    /// in the --rewrite RANGE) to FILE (mode 0600; it holds the secrets), instead of rewriting.
    #[arg(long, value_name = "FILE")]
    pub filter_repo: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum IamFormat {
    Terraform,
    Cloudformation,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RunsOn {
    Ec2,
    Ecs,
    Lambda,
    EksIrsa,
    EksPodIdentity,
    GithubActions,
}

impl From<RunsOn> for Runtime {
    fn from(r: RunsOn) -> Runtime {
        match r {
            RunsOn::Ec2 => Runtime::Ec2,
            RunsOn::Ecs => Runtime::Ecs,
            RunsOn::Lambda => Runtime::Lambda,
            RunsOn::EksIrsa => Runtime::EksIrsa,
            RunsOn::EksPodIdentity => Runtime::EksPodIdentity,
            RunsOn::GithubActions => Runtime::GithubActions,
        }
    }
}

impl From<IamFormat> for Format {
    fn from(f: IamFormat) -> Format {
        match f {
            IamFormat::Terraform => Format::Terraform,
            IamFormat::Cloudformation => Format::CloudFormation,
            IamFormat::Json => Format::Json,
        }
    }
}

/// Replaces every credential the detector sees in a message by its redacted form.
fn sanitize(detector: &Detector, msg: &str) -> String {
    let mut out = msg.to_string();
    for m in detector.scan(msg.as_bytes()).matches {
        out = out.replace(m.value.expose(), &m.value.redacted());
        if let Some(raw) = msg.get(m.span.clone()) {
            out = out.replace(raw, &m.value.redacted());
        }
    }
    out
}

/// The work tree a path given on the command line belongs to, judged without following the path
/// itself if it is a symbolic link: the git work tree around it, or else its folder.
fn work_tree_of(given: &Path) -> anyhow::Result<PathBuf> {
    let abs = std::path::absolute(given)
        .with_context(|| format!("cannot resolve {}", given.display()))?;
    let is_link = std::fs::symlink_metadata(&abs).is_ok_and(|m| m.file_type().is_symlink());
    let folder = if abs.is_dir() && !is_link {
        abs.clone()
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone())
    };
    let folder = folder
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", folder.display()))?;
    Ok(git2::Repository::discover(&folder)
        .ok()
        .and_then(|r| r.workdir().and_then(|w| w.canonicalize().ok()))
        .unwrap_or(folder))
}

/// `--write` never writes outside the work tree of the paths it was given: a symbolic link that
/// points elsewhere (`config.py -> /etc/app/config.py`) is refused before any file is written.
fn refuse_outside(given: &[PathBuf], run: &FixRun) -> anyhow::Result<()> {
    let trees = given
        .iter()
        .map(|p| work_tree_of(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for f in run.changed() {
        let target = f
            .abs_path
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", f.abs_path.display()))?;
        if !trees.iter().any(|t| target.starts_with(t)) {
            anyhow::bail!(
                "refusing to write {}: it resolves to {}, outside the work tree {}; nothing was written",
                clean(&f.fix.path),
                clean(&target.display().to_string()),
                clean(&trees[0].display().to_string())
            );
        }
    }
    Ok(())
}

/// A role name from the repository's folder name (IAM allows `[\w+=,.@-]`, 64 characters).
fn default_role_name(run: &FixRun) -> String {
    let base = run
        .root
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("app");
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(59)
        .collect();
    format!("{}-role", if clean.is_empty() { "app" } else { &clean })
}

fn report(detector: &Detector, run: &FixRun, err: &mut impl Write) -> std::io::Result<usize> {
    let mut manual = 0;
    for f in &run.files {
        for note in &f.fix.notes {
            writeln!(
                err,
                "{}: note: {}",
                clean(&sanitize(detector, &f.fix.path)),
                clean(&sanitize(detector, note))
            )?;
        }
    }
    for (path, m) in run.manual() {
        manual += 1;
        writeln!(
            err,
            "{}:{}: needs a hand: {}",
            clean(&sanitize(detector, path)),
            m.line,
            clean(&sanitize(detector, &m.reason))
        )?;
        writeln!(
            err,
            "    what to do: {}",
            clean(&sanitize(detector, &m.advice))
        )?;
    }
    for s in &run.skipped {
        writeln!(
            err,
            "rolecall: skipped {}: {}",
            clean(&sanitize(detector, &s.path)),
            clean(&s.reason)
        )?;
    }
    Ok(manual)
}

pub fn run(opts: FixOpts) -> anyhow::Result<ExitCode> {
    if opts.rewrite.is_some() || opts.filter_repo.is_some() {
        let request = rolecall::rewrite::RewriteRequest {
            path: opts
                .paths
                .first()
                .cloned()
                .unwrap_or_else(|| PathBuf::from(".")),
            range: opts.rewrite.clone(),
            dry_run: opts.dry_run,
            filter_repo: opts.filter_repo.clone(),
        };
        return rolecall::rewrite::run(&request, &mut std::io::stdout().lock())
            .context("fix --rewrite");
    }
    let detector = Detector::shared();
    let config = FixPathsConfig {
        paths: if opts.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            opts.paths.clone()
        },
        max_file_size: opts.max_file_size,
    };
    let mut collector = opts.iam.as_ref().map(|_| IamCollector::new());
    let run = fix_paths(detector, &config, &mut |path, text, found| {
        if let Some(c) = collector.as_mut() {
            c.add_file(path, text, found);
        }
    })
    .context("fix")?;

    let mut err = super::Messages::stderr();
    let manual = report(detector, &run, &mut err)?;
    let changed = run.changed().count();
    if opts.write {
        refuse_outside(&config.paths, &run)?;
        let written = run.write().context("writing the fixed files")?;
        for path in &written {
            writeln!(err, "rolecall: fixed {}", clean(&sanitize(detector, path)))?;
        }
    } else {
        let diff = run.diff();
        let mut out = std::io::stdout().lock();
        // The patch's removed lines are the file's own lines (git apply checks them); every
        // message on stderr is redacted.
        out.write_all(diff.as_bytes())?;
        out.flush()?;
    }
    let verb = if opts.write { "fixed" } else { "to fix" };
    let how = if opts.write || changed == 0 {
        String::new()
    } else {
        format!(
            " (patch on stdout: `git apply` it from {})",
            run.root.display()
        )
    };
    writeln!(
        err,
        "rolecall: {changed} file(s) {verb}, {manual} spot(s) need a hand{how}"
    )?;

    if let (Some(dir), Some(collector)) = (&opts.iam, &collector) {
        let iam_config = IamConfig {
            runs_on: opts.runs_on.map(Runtime::from),
            formats: opts.iam_format.iter().map(|f| Format::from(*f)).collect(),
            role_name: opts
                .role_name
                .clone()
                .unwrap_or_else(|| default_role_name(&run)),
            repo_root: run.in_git.then(|| run.root.clone()),
        };
        let artefacts = build_artefacts(collector, &iam_config);
        match &artefacts.guess {
            Some(g) if !g.path.is_empty() => writeln!(
                err,
                "rolecall: runs on {} (guessed from {}: {}; choose with --runs-on)",
                g.runtime.as_str(),
                clean(&g.path),
                clean(&g.reason)
            )?,
            Some(g) => writeln!(
                err,
                "rolecall: runs on {} ({}; choose with --runs-on)",
                g.runtime.as_str(),
                clean(&g.reason)
            )?,
            None => writeln!(
                err,
                "rolecall: runs on {} (--runs-on)",
                artefacts.runtime.as_str()
            )?,
        }
        let written = artefacts
            .write(dir)
            .with_context(|| format!("writing the IAM role to {}", dir.display()))?;
        for p in written {
            writeln!(err, "rolecall: wrote {}", p.display())?;
        }
        if artefacts.permissions.is_none() {
            writeln!(
                err,
                "rolecall: no AWS call recognised: the role has no permissions policy yet"
            )?;
        }
        if !artefacts.placeholders.is_empty() {
            writeln!(
                err,
                "rolecall: fill in before use (see README.md): {}",
                artefacts.placeholders.join(", ")
            )?;
        }
    }
    Ok(if manual > 0 {
        ExitCode::Found
    } else {
        ExitCode::Clean
    })
}
