//! `rolecall fix …` (owned by the remediation work).

use clap::Args;
use rolecall::ExitCode;

#[derive(Debug, Args)]
pub struct FixOpts {
    /// Repository or files to fix.
    pub paths: Vec<std::path::PathBuf>,
}

pub fn run(_opts: FixOpts) -> anyhow::Result<ExitCode> {
    anyhow::bail!("fix is not available in this build yet")
}
