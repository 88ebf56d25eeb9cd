//! The ground floor: the types every layer shares and that import nothing else of rolecall's
//! (findings and secrets, scan reports and their counters, the library's error type).

pub mod display;
pub mod error;
pub mod finding;
pub mod report;
