//! The library's error type: an [`Error`] carries an [`ErrorKind`] that callers can match on.

use std::fmt;
use std::path::PathBuf;

/// A specialised `Result` for rolecall's library functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error from the rolecall library.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An I/O error, with the path it concerned when one is known.
    Io {
        /// The path being read or written, if any.
        path: Option<PathBuf>,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An error reported by libgit2.
    Git(git2::Error),
    /// The path is not a git repository (and a repository was required).
    NotARepository(PathBuf),
    /// The path does not exist.
    NotFound(PathBuf),
    /// A revision (ref, commit id, range end) could not be resolved.
    BadRevision {
        /// The revision as the user wrote it.
        spec: String,
        /// Why it failed.
        reason: String,
    },
    /// The built-in rules or a rules file are malformed.
    Rules(String),
    /// A configuration or baseline file is malformed.
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Input that rolecall cannot interpret (for example malformed hook stdin).
    Input(String),
    /// The scan ran past its deadline.
    Timeout,
}

impl Error {
    /// Builds an error of the given kind.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    /// The kind of this error.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::new(ErrorKind::Io {
            path: Some(path.into()),
            source,
        })
    }

    /// An input error with a message.
    pub fn input(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Input(msg.into()))
    }

    /// A configuration error about `path`.
    pub fn config(path: impl Into<PathBuf>, reason: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config {
            path: path.into(),
            reason: reason.into(),
        })
    }

    /// A bad revision error.
    pub fn bad_revision(spec: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::new(ErrorKind::BadRevision {
            spec: spec.into(),
            reason: reason.into(),
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Io {
                path: Some(p),
                source,
            } => write!(f, "{}: {}", p.display(), source),
            ErrorKind::Io { path: None, source } => write!(f, "{source}"),
            ErrorKind::Git(e) => write!(f, "git: {}", e.message()),
            ErrorKind::NotARepository(p) => write!(f, "{} is not a git repository", p.display()),
            ErrorKind::NotFound(p) => write!(f, "{} does not exist", p.display()),
            ErrorKind::BadRevision { spec, reason } => {
                write!(f, "cannot resolve revision '{spec}': {reason}")
            }
            ErrorKind::Rules(m) => write!(f, "rules: {m}"),
            ErrorKind::Config { path, reason } => write!(f, "{}: {}", path.display(), reason),
            ErrorKind::Input(m) => write!(f, "{m}"),
            ErrorKind::Timeout => write!(f, "the scan ran out of time"),
        }
    }
}

/// The message of an I/O or git error already ends with its cause, so the cause is not also
/// given as [`source`](std::error::Error::source): a chain printer (`{:#}` of anyhow) would print
/// it twice. [`Error::io_source`] gives it to callers that need the kind (a broken pipe).
impl std::error::Error for Error {}

impl Error {
    /// The underlying I/O error, if this is one.
    pub fn io_source(&self) -> Option<&std::io::Error> {
        match &self.kind {
            ErrorKind::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Error {
        Error::new(ErrorKind::Git(e))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io {
            path: None,
            source: e,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_9_error_cause_printed_once() {
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        let cause = io.to_string();
        for err in [
            Error::from(io),
            Error::io(
                "/nowhere",
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ),
        ] {
            let chain = format!("{:#}", anyhow::Error::new(err));
            assert_eq!(chain.matches(&cause).count(), 1, "{chain}");
        }
    }
}
