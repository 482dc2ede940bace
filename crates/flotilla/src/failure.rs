//! How a command fails: a message for the user and an exit code.

use std::fmt::Display;
use std::process::ExitCode;

/// A command's failure. `Input` is the user's to fix (exit 2); `Failed` is an operation that
/// went wrong (exit 1).
#[derive(Debug)]
pub enum Failure {
    Input(String),
    Failed(String),
}

impl Failure {
    pub fn input(message: impl Display) -> Self {
        Self::Input(message.to_string())
    }

    pub fn failed(message: impl Display) -> Self {
        Self::Failed(message.to_string())
    }

    #[allow(clippy::print_stderr)]
    pub fn report(self) -> ExitCode {
        let (message, code) = match self {
            Self::Input(message) => (message, 2),
            Self::Failed(message) => (message, 1),
        };
        eprintln!("error: {message}");
        ExitCode::from(code)
    }
}

pub type Outcome = Result<(), Failure>;
