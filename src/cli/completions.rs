//! `rolecall completions <shell>` and `rolecall man`: shell completion scripts and man pages,
//! generated from the same clap definition the binary parses with, so they never drift from it.

use super::Opts;
use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CompletionsOpts {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManOpts {
    /// Write rolecall.1 and one page per subcommand (rolecall-scan.1, …) into this folder
    /// instead of printing rolecall.1 to standard output.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// Writes the completion script to standard output.
pub fn completions(opts: CompletionsOpts) -> anyhow::Result<rolecall::ExitCode> {
    let mut cmd = Opts::command();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    clap_complete::generate(opts.shell, &mut cmd, "rolecall", &mut out);
    out.flush().context("cannot write the completion script")?;
    Ok(rolecall::ExitCode::Clean)
}

/// Writes the man page(s).
pub fn man(opts: ManOpts) -> anyhow::Result<rolecall::ExitCode> {
    let cmd = Opts::command();
    match opts.out_dir {
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .context("cannot write the man page")?;
            out.flush().context("cannot write the man page")?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("cannot write man pages into {}", dir.display()))?;
        }
    }
    Ok(rolecall::ExitCode::Clean)
}
