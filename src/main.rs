//! The `rolecall` command. Thin: it parses arguments into the library's config types and calls
//! the public `rolecall::` API.

mod cli;

use clap::Parser;
use std::io::Write;

fn main() -> std::process::ExitCode {
    let opts = cli::Opts::parse();
    match cli::run(opts) {
        Ok(code) => code.into(),
        // ripgrep's discipline: the reader went away (`rolecall scan | head`), which is no
        // error of ours; end quietly.
        Err(err) if cli::is_broken_pipe(&err) => rolecall::ExitCode::Clean.into(),
        Err(err) => {
            // stderr may itself be closed or full: never panic over a message.
            let message = format!("{err:#}");
            let message = rolecall::detect::Detector::shared().redact_in(&message);
            let _ = writeln!(std::io::stderr(), "rolecall: error: {message}");
            rolecall::ExitCode::Error.into()
        }
    }
}
