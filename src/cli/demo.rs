//! `rolecall demo`.

use clap::Args;
use rolecall::ExitCode;

#[derive(Debug, Args)]
pub struct DemoOpts {}

pub fn run(_opts: DemoOpts) -> anyhow::Result<ExitCode> {
    anyhow::bail!("demo is not available in this build yet")
}
