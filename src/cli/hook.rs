//! `rolecall hook …`: the server-side pre-receive hook and its installer.

use anyhow::Context;
use clap::{Args, Subcommand};
use rolecall::hook::{self, input::HookEnv};
use rolecall::model::display::clean;
use rolecall::ExitCode;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Run as a server's pre-receive hook (reads `<old> <new> <ref>` lines on stdin; exit 0
    /// accepts the push, 1 rejects it).
    PreReceive(PreReceiveOpts),
    /// Install the pre-receive hook into a (bare) repository: writes hooks/pre-receive that runs
    /// this binary by its absolute path.
    Install(InstallOpts),
}

#[derive(Debug, Args)]
pub struct PreReceiveOpts {
    /// Server policy file (default: $ROLECALL_CONFIG, else rolecall.toml or .rolecall.toml in
    /// the repository's git directory, else the built-in defaults).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InstallOpts {
    /// The repository (bare or not) to protect.
    #[arg(value_name = "PATH-TO-BARE-REPO")]
    repo: PathBuf,
    /// Replace an existing pre-receive hook that rolecall did not write.
    #[arg(long)]
    force: bool,
}

pub fn run(cmd: HookCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        HookCommand::PreReceive(o) => pre_receive(o),
        HookCommand::Install(o) => install(o),
    }
}

fn pre_receive(opts: PreReceiveOpts) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let env = HookEnv::from_vars(std::env::vars_os(), &cwd);
    let env_config = std::env::var_os("ROLECALL_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let mut stderr = std::io::stderr().lock();
    let config =
        match hook::load_config(opts.config.as_deref(), env_config.as_deref(), &env.git_dir) {
            Ok(c) => c,
            Err(e) => {
                // Without a readable policy the safe default (reject) applies.
                let _ = writeln!(
                    stderr,
                    "rolecall: push rejected: the server's rolecall configuration cannot be \
                 loaded: {e}\nrolecall: ask the server administrator."
                );
                return Ok(ExitCode::Found);
            }
        };
    let verdict = hook::run_pre_receive(std::io::stdin(), &env, &config);
    let _ = stderr.write_all(verdict.message.as_bytes());
    let _ = stderr.flush();
    Ok(verdict.exit_code())
}

fn install(opts: InstallOpts) -> anyhow::Result<ExitCode> {
    let binary = std::env::current_exe().context("cannot find the rolecall binary's path")?;
    let hook = hook::install::install(&opts.repo, &binary, opts.force)?;
    writeln!(
        std::io::stdout(),
        "installed {} (runs {} hook pre-receive)",
        clean(&hook.display().to_string()),
        clean(&binary.display().to_string())
    )?;
    Ok(ExitCode::Clean)
}
