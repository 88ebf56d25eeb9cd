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
    // clap_complete panics when its writer fails (a full disk): render in memory, then write.
    let mut script = Vec::new();
    clap_complete::generate(opts.shell, &mut cmd, "rolecall", &mut script);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .context("cannot write the completion script")?;
    Ok(rolecall::ExitCode::Clean)
}

/// Writes the man page(s).
pub fn man(opts: ManOpts) -> anyhow::Result<rolecall::ExitCode> {
    let mut cmd = Opts::command().disable_help_subcommand(true);
    cmd.build();
    match opts.out_dir {
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            out.write_all(&render_page(&cmd)?)
                .and_then(|()| out.flush())
                .context("cannot write the man page")?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            write_pages(&cmd, &dir)
                .with_context(|| format!("cannot write man pages into {}", dir.display()))?;
        }
    }
    Ok(rolecall::ExitCode::Clean)
}

/// One page, with the footer `rolecall-scan 0.2.0` (clap_mangen would write the bare subcommand
/// name) and `…` spelled `...`: plain groff (`-Tascii`) has no glyph for it and warns.
fn render_page(cmd: &clap::Command) -> std::io::Result<Vec<u8>> {
    let name = cmd.get_display_name().unwrap_or_else(|| cmd.get_name());
    let source = format!("{name} {}", env!("CARGO_PKG_VERSION"));
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .source(source)
        .render(&mut page)?;
    let text = String::from_utf8_lossy(&page).replace('\u{2026}', "\\&...");
    Ok(text.into_bytes())
}

/// `rolecall.1` and one page per (nested) subcommand, `rolecall-scan.1`, `rolecall-hook-install.1`.
fn write_pages(cmd: &clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir)?;
    }
    let name = cmd.get_display_name().unwrap_or_else(|| cmd.get_name());
    std::fs::write(dir.join(format!("{name}.1")), render_page(cmd)?)
}
