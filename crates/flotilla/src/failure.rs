//! How a command fails: a message for the user, what to do about it, and an exit code.

use std::process::ExitCode;

use flotilla_core::Help;
use flotilla_core::plan::PlanError;
use flotilla_engine::EngineError;
use serde::Serialize;

/// Whose failure it is. `Input` is the user's to fix (exit 2); `Failed` is an operation that
/// went wrong (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    Input,
    Failed,
}

/// A command's failure, with its help kept apart so that [`Failure::report`] renders it in one
/// place.
#[derive(Debug)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
    pub help: Option<String>,
    /// What kind of error, for `--json`: `input` and `failed` by default, narrower where
    /// known (`manifest`, `usage`).
    pub label: &'static str,
    /// Where in the manifest, for manifest errors.
    pub location: Option<Location>,
    /// Each reason a request was refused, for `--json` (`kind: "refused"`).
    pub refused: Option<Box<PlanError>>,
}

/// A position in a file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

impl Failure {
    fn new(kind: FailureKind, err: &impl Help) -> Self {
        Self {
            kind,
            message: err.to_string(),
            help: err.help(),
            label: match kind {
                FailureKind::Input => "input",
                FailureKind::Failed => "failed",
            },
            location: None,
            refused: None,
        }
    }

    /// A request that planning refused (exit 2): each refusal with its repository and help,
    /// for scripts; the text lists them all.
    pub fn refused(err: &PlanError) -> Self {
        let mut failure = Self::new(FailureKind::Input, err);
        failure.label = "refused";
        failure.refused = Some(Box::new(err.clone()));
        if let [only] = err.refusals.as_slice() {
            failure.message = match &only.repo {
                Some(repo) => format!("{repo}: {}", only.message),
                None => only.message.clone(),
            };
            failure.help.clone_from(&only.help);
        }
        failure
    }

    /// An engine's error: a refused plan keeps its refusals apart; otherwise the user's to fix
    /// or a failed operation, as the engine says.
    pub fn engine(err: EngineError) -> Self {
        match &err {
            EngineError::Plan(plan) => Self::refused(plan),
            _ if err.is_user_error() => Self::input(err),
            _ => Self::failed(err),
        }
    }

    /// A manifest's errors: the first one's position and, when it is alone, its message and
    /// help apart (the text lists them all).
    pub fn manifest(errors: &flotilla_core::manifest::ManifestErrors) -> Self {
        let mut failure = Self::input(errors.to_string());
        failure.label = "manifest";
        if let Some(first) = errors.diagnostics.first() {
            failure.location = Some(Location {
                file: first.file.clone(),
                line: first.line,
                column: first.column,
            });
            if errors.diagnostics.len() == 1 {
                failure.message = format!(
                    "{}:{}:{}: {}",
                    first.file, first.line, first.column, first.message
                );
                failure.help.clone_from(&first.help);
            }
        }
        failure
    }

    /// A usage error of clap's (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        let mut failure = Self::input(message.into());
        failure.label = "usage";
        failure
    }

    // By value, so that `map_err(Failure::input)` reads as it did.
    #[allow(clippy::needless_pass_by_value)]
    pub fn input(err: impl Help) -> Self {
        Self::new(FailureKind::Input, &err)
    }

    #[allow(clippy::needless_pass_by_value)]
    pub fn failed(err: impl Help) -> Self {
        Self::new(FailureKind::Failed, &err)
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// What the user reads: the message, then what to do about it.
    fn text(&self) -> String {
        format!(
            "error: {}",
            flotilla_core::help::render(&self.message, self.help.as_deref())
        )
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self.kind {
            FailureKind::Input => 2,
            FailureKind::Failed => 1,
        })
    }

    /// The `--json` form: `{"error": {"kind", "message", "help", "location"}}`, and
    /// `refusals` (`[{"repo", "message", "help"}]`) when planning refused the request.
    pub fn to_json(&self) -> serde_json::Value {
        let mut error = serde_json::json!({
            "kind": self.label,
            "message": self.message,
            "help": self.help,
            "location": self.location,
        });
        if let Some(refused) = &self.refused {
            error["refusals"] = refused
                .refusals
                .iter()
                .map(|refusal| {
                    serde_json::json!({
                        "repo": refusal.repo,
                        "message": refusal.message,
                        "help": refusal.help,
                    })
                })
                .collect();
        }
        serde_json::json!({ "error": error })
    }

    #[allow(clippy::print_stderr)]
    pub fn report(self) -> ExitCode {
        eprintln!("{}", self.text());
        self.exit_code()
    }
}

pub type Outcome = Result<(), Failure>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_is_rendered_under_the_message() {
        let failure = Failure::input("f.yaml already exists").with_help("pass --force");
        assert_eq!(failure.kind, FailureKind::Input);
        assert_eq!(
            failure.text(),
            "error: f.yaml already exists\n  help: pass --force"
        );
        assert_eq!(Failure::failed("it broke").text(), "error: it broke");
    }

    #[test]
    fn an_error_brings_its_own_help() {
        let err = "nope".parse::<flotilla_core::Digest>().unwrap_err();
        let failure = Failure::input(err);
        assert_eq!(failure.message, "\"nope\" is not a digest");
        assert_eq!(
            failure.help.as_deref(),
            Some("a digest is `sha256:` followed by 64 lowercase hex digits")
        );
    }
}
