pub mod detect;
pub mod error;
pub mod fake;
pub mod finding;
pub mod rules;
