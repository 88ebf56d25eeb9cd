//! `rolecall merge FILE…`: options → a [`MergeJob`] → [`run_merge`].

use super::scan::{ColorArg, FormatArg, SeverityArg};
use anyhow::Context;
use clap::Args;
use rolecall::app::merge::{run_merge, MergeJob};
use rolecall::finding::Severity;
use rolecall::ExitCode;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct MergeOpts {
    /// JSON reports to combine (`rolecall scan --format json` outputs, for example one per
    /// shard).
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Json)]
    pub format: FormatArg,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1 (default: low).
    #[arg(long, value_enum)]
    pub fail_on: Option<SeverityArg>,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

pub fn run(opts: MergeOpts) -> anyhow::Result<ExitCode> {
    let color = match opts.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            super::terminal_colors(opts.output.is_none() && std::io::stdout().is_terminal())
        }
    };
    let job = MergeJob {
        inputs: opts.inputs,
        format: opts.format.into(),
        color,
        fail_on: opts.fail_on.map(Severity::from),
    };
    match &opts.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            Ok(run_merge(&job, &mut out)?)
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            Ok(run_merge(&job, &mut out)?)
        }
    }
}
