//! Command-line definition (clap derive) and dispatch. Each subcommand lives in its own file and
//! turns its options into the library's config types; no clap type crosses into the library.

mod completions;
mod demo;
mod fix;
mod fleet;
mod hook;
mod merge;
mod scan;

use clap::{Parser, Subcommand};
use rolecall::ExitCode;

/// Keeps AWS credentials out of git history and replaces them with IAM role-based access.
#[derive(Debug, Parser)]
#[command(name = "rolecall", version, about, propagate_version = true)]
pub struct Opts {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size of the `scan` options does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Scan a repository's whole history (or a range, the index, files, stdin) for AWS credentials.
    Scan(scan::ScanOpts),
    /// Combine JSON reports (the shards of a fleet scan) into one report, in any format.
    Merge(merge::MergeOpts),
    /// Server-side git hooks (pre-receive) and their installation.
    #[command(subcommand)]
    Hook(hook::HookCommand),
    /// Replace hardcoded AWS credentials with IAM role-based access (prints a patch).
    Fix(fix::FixOpts),
    /// Run the bundled demo: a leaking repository, scanned, blocked, fixed.
    Demo(demo::DemoOpts),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsOpts),
    /// Print the man page (or write every page into a folder).
    Man(completions::ManOpts),
}

/// Runs the parsed command.
pub fn run(opts: Opts) -> anyhow::Result<ExitCode> {
    match opts.command {
        Command::Scan(o) => scan::run(o),
        Command::Merge(o) => merge::run(o),
        Command::Hook(c) => hook::run(c),
        Command::Fix(o) => fix::run(o),
        Command::Demo(o) => demo::run(o),
        Command::Completions(o) => completions::completions(o),
        Command::Man(o) => completions::man(o),
    }
}

/// Whether `err` comes from writing to a pipe whose reader has gone.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let io = cause
            .downcast_ref::<std::io::Error>()
            .or_else(|| cause.downcast_ref::<rolecall::error::Error>()?.io_source());
        io.is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Standard error for messages that accompany a result: a closed or full stderr must neither
/// panic nor stop the command from writing its result, so write errors are dropped.
pub struct Messages(std::io::Stderr);

impl Messages {
    /// The process's standard error.
    pub fn stderr() -> Messages {
        Messages(std::io::stderr())
    }
}

impl std::io::Write for Messages {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

/// Whether to colour output going to a terminal (`on_terminal`): not when `NO_COLOR` is set to
/// anything but the empty string (<https://no-color.org>).
pub fn terminal_colors(on_terminal: bool) -> bool {
    on_terminal && std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty())
}
