//! Process exit codes, shared by every subcommand.

/// What a rolecall run ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Nothing found (or, for `fix`, everything fixed).
    Clean,
    /// Credentials found (or a push rejected).
    Found,
    /// An error, or a scan that could not read everything it should have.
    Error,
}

impl ExitCode {
    /// The numeric process exit status.
    pub fn code(self) -> i32 {
        match self {
            ExitCode::Clean => 0,
            ExitCode::Found => 1,
            ExitCode::Error => 2,
        }
    }

    /// Combines two outcomes: an error outranks findings, which outrank clean.
    pub fn worst(self, other: ExitCode) -> ExitCode {
        if self.code() >= other.code() {
            self
        } else {
            other
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> std::process::ExitCode {
        std::process::ExitCode::from(code.code() as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(ExitCode::Clean.code(), 0);
        assert_eq!(ExitCode::Found.code(), 1);
        assert_eq!(ExitCode::Error.code(), 2);
    }

    #[test]
    fn worst_prefers_errors_then_findings() {
        assert_eq!(ExitCode::Clean.worst(ExitCode::Found), ExitCode::Found);
        assert_eq!(ExitCode::Found.worst(ExitCode::Error), ExitCode::Error);
        assert_eq!(ExitCode::Error.worst(ExitCode::Clean), ExitCode::Error);
        assert_eq!(ExitCode::Clean.worst(ExitCode::Clean), ExitCode::Clean);
    }
}
