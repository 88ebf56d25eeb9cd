//! `rolecall hook …` (owned by the pre-receive hook work).

use clap::Subcommand;
use rolecall::ExitCode;

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Run as a server's pre-receive hook (reads `<old> <new> <ref>` lines on stdin).
    PreReceive,
}

pub fn run(_cmd: HookCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the pre-receive hook is not available in this build yet")
}
