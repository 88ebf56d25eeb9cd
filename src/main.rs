//! The `rolecall` command. Thin: it parses arguments into the library's config types and calls
//! the public `rolecall::` API.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let opts = cli::Opts::parse();
    match cli::run(opts) {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("rolecall: error: {err:#}");
            rolecall::ExitCode::Error.into()
        }
    }
}
