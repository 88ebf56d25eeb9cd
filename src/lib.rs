//! rolecall: keeps AWS credentials out of git history and replaces them with IAM role-based
//! access. Layers, each importing only those below it: [`model`] (findings, reports, errors),
//! [`rules`], [`detect`], [`git`], [`scan`], [`policy`], [`report`], and the jobs above them
//! (`hook`, `fix`, `iam`, `rewrite`, and [`app`]: fleet scans and report merging).

pub mod app;
pub mod model;
pub use model::{error, finding};
pub mod detect;
pub mod exit;
pub mod fake;
pub mod fix;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod iam;
pub mod policy;
pub mod report;
pub mod rules;
pub mod scan;
pub mod syntax;
pub use exit::ExitCode;
pub mod demo;
pub mod git;
pub mod hook;
pub mod rewrite;
