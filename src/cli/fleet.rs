//! `rolecall scan --repos DIR` / `--repos-from FILE`: scan options → a [`FleetJob`] →
//! [`run_fleet`].

use super::scan::{ColorArg, ScanOpts};
use anyhow::Context;
use rolecall::app::fleet::{repositories, run_fleet, FleetJob, FleetSource};
use rolecall::finding::Severity;
use rolecall::model::display::clean;
use rolecall::scan::fleet::{from_list, Shard};
use rolecall::scan::ScanOptions;
use rolecall::ExitCode;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

/// Reads a repository list from a file, or from standard input for `-`.
fn read_list(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .lock()
            .read_to_string(&mut text)
            .context("cannot read the repository list from standard input")?;
        Ok(text)
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the repository list {}", path.display()))
    }
}

fn into_job(opts: ScanOpts) -> anyhow::Result<FleetJob> {
    let source = match (&opts.repos, &opts.repos_from) {
        (Some(dir), _) => FleetSource::Folder(dir.clone()),
        (None, Some(list)) => FleetSource::List(from_list(&read_list(list)?)),
        (None, None) => unreachable!("the caller checked for --repos or --repos-from"),
    };
    let shard = opts.shard.as_deref().map(Shard::parse).transpose()?;
    let color = match opts.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            super::terminal_colors(opts.output.is_none() && std::io::stdout().is_terminal())
        }
    };
    Ok(FleetJob {
        source,
        shard,
        state: opts.state,
        format: opts.format.into(),
        color,
        config: opts.config,
        baseline: opts.baseline,
        write_baseline: opts.write_baseline,
        fail_on: opts.fail_on.map(Severity::from),
        options: ScanOptions {
            max_blob_size: opts.max_blob_size.unwrap_or(u64::MAX),
            whole_blobs: opts.whole_blobs,
            threads: opts.threads,
            progress: !opts.no_progress,
            ..ScanOptions::default()
        },
    })
}

/// Prints the names of the repositories of `job`, one per line.
fn list_repos(job: &FleetJob, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let (repos, skipped) = repositories(job)?;
    for repo in &repos {
        writeln!(out, "{}", repo.name)?;
    }
    for s in &skipped {
        let _ = writeln!(
            std::io::stderr(),
            "rolecall: warning: {}: {}",
            clean(&s.what),
            clean(&s.reason)
        );
    }
    out.flush()?;
    Ok(if skipped.is_empty() {
        ExitCode::Clean
    } else {
        ExitCode::Error
    })
}

pub fn run(opts: ScanOpts) -> anyhow::Result<ExitCode> {
    let output = opts.output.clone();
    let list = opts.list_repos;
    let job = into_job(opts)?;
    if list {
        return match output {
            Some(path) => {
                let file = std::fs::File::create(&path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                list_repos(&job, &mut std::io::BufWriter::new(file))
            }
            None => list_repos(&job, &mut std::io::stdout().lock()),
        };
    }
    match output {
        Some(path) => {
            let file = std::fs::File::create(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            Ok(run_fleet(&job, &mut out)?)
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            Ok(run_fleet(&job, &mut out)?)
        }
    }
}
