//! `rolecall demo`.

use clap::Args;
use rolecall::demo::{run as run_demo, DemoOptions};
use rolecall::ExitCode;
use std::io::IsTerminal;

#[derive(Debug, Args)]
pub struct DemoOpts {
    /// Keep the demo's temporary folder and print where it is.
    #[arg(long)]
    pub keep: bool,
}

pub fn run(opts: DemoOpts) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let color = super::terminal_colors(stdout.is_terminal());
    let mut out = stdout.lock();
    run_demo(
        &DemoOptions {
            keep: opts.keep,
            color,
        },
        &mut out,
    )?;
    Ok(ExitCode::Clean)
}
