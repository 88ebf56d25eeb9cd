//! Jobs: a whole run as a user starts it (sources → scan → policy → report → exit code), above
//! the engine and the report formats. The CLI turns its options into a job and calls it; tests
//! call the same functions.
//!
//! - [`fleet`]: `rolecall scan --repos DIR` / `--repos-from FILE`, with `--state` and `--shard`.
//! - [`merge`]: `rolecall merge`, one report from the JSON reports of a sharded run.

pub mod fleet;
pub mod merge;

use crate::exit::ExitCode;
use crate::model::report::ScanReport;
use crate::policy::Policy;

/// The exit code of a run over many repositories: 2 when anything could not be scanned (even
/// with findings: in a fleet there are almost always findings, and a repository that was not
/// read must not hide behind them), else 1 for findings at or above the failing severity, else
/// 0.
pub(crate) fn fleet_exit_code(policy: &Policy, report: &ScanReport) -> ExitCode {
    if report.incomplete() {
        ExitCode::Error
    } else if policy.fails(&report.findings) {
        ExitCode::Found
    } else {
        ExitCode::Clean
    }
}
