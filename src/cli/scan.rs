//! `rolecall scan …`.

use clap::Args;
use rolecall::ExitCode;

#[derive(Debug, Args)]
pub struct ScanOpts {
    /// Repository or folder to scan.
    pub path: Option<std::path::PathBuf>,
}

pub fn run(_opts: ScanOpts) -> anyhow::Result<ExitCode> {
    anyhow::bail!("scan is being built")
}
