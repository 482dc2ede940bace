use std::fmt;
use std::path::PathBuf;

use crate::PushRejection;

/// A git command that ran and failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError {
    /// The command line, with credentials in URLs redacted.
    pub command: String,
    /// The directory it ran in (`None`: the process's current directory).
    pub dir: Option<PathBuf>,
    /// `None` when git was killed by a signal.
    pub exit_code: Option<i32>,
    /// Git's trimmed stderr, with credentials in URLs redacted.
    pub stderr: String,
    pub kind: FailureKind,
}

/// What kind of failure it was, for callers that react differently to each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// A push was refused for some refs (out of date, stale lease, existing tag, remote hook).
    PushRejected(PushRejection),
    /// A branch, tag, commit or remote ref does not exist.
    RefNotFound,
    /// The remote could not be reached or refused access.
    RemoteUnreachable,
    /// A branch or tag with that name already exists.
    AlreadyExists,
    Other,
}

impl CommandError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match &self.kind {
            FailureKind::PushRejected(rejection) => rejection.hint(),
            FailureKind::RefNotFound => {
                "check that the branch, tag or commit exists; fetch first if it exists only on the remote"
            }
            FailureKind::RemoteUnreachable => {
                "check the remote URL, the network and the credentials; git runs without prompts, so credentials must come from a credential helper, an ssh agent or the URL"
            }
            FailureKind::AlreadyExists => {
                "a ref with that name already exists: reuse it if it names the intended commit, or delete it first"
            }
            FailureKind::Other => "run the same git command by hand to see more",
        }
    }
}

impl FailureKind {
    /// Classifies a failure from git's stderr, read with `LC_ALL=C`.
    pub(crate) fn from_stderr(stderr: &str) -> Self {
        let lower = stderr.to_ascii_lowercase();
        let any = |needles: &[&str]| needles.iter().any(|needle| lower.contains(needle));
        let repository_missing = lower.lines().any(|line| {
            line.starts_with("fatal: repository '")
                && (line.ends_with("' not found") || line.ends_with("' does not exist"))
        });
        if repository_missing
            || any(&[
                "could not read from remote repository",
                "does not appear to be a git repository",
                "unable to access",
                "could not resolve host",
                "connection refused",
                "connection timed out",
                "unable to connect",
                "repository not found",
                "authentication failed",
                "permission denied (publickey",
                "host key verification failed",
                "terminal prompts disabled",
                "the remote end hung up unexpectedly",
            ])
        {
            Self::RemoteUnreachable
        } else if any(&[
            "couldn't find remote ref",
            "not found in upstream",
            "invalid reference",
            "unknown revision",
            "bad revision",
            "needed a single revision",
            "not a valid object name",
            "invalid object name",
            "did not match any file(s) known to git",
            "does not match any",
        ]) {
            Self::RefNotFound
        } else if lower.contains("already exists") {
            Self::AlreadyExists
        } else {
            Self::Other
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "`{}` failed", self.command)?;
        if let Some(dir) = &self.dir {
            write!(formatter, " in {}", dir.display())?;
        }
        match self.exit_code {
            Some(code) => write!(formatter, " with exit code {code}")?,
            None => formatter.write_str(", killed by a signal")?,
        }
        if self.stderr.is_empty() {
            formatter.write_str(" and printed no error")?;
        } else {
            write!(formatter, ": {}", self.stderr)?;
        }
        write!(formatter, "\nhelp: {}", self.hint())
    }
}

impl std::error::Error for CommandError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_git_messages() {
        let cases = [
            (
                "fatal: couldn't find remote ref nope",
                FailureKind::RefNotFound,
            ),
            ("fatal: invalid reference: nope", FailureKind::RefNotFound),
            (
                "fatal: Remote branch nope not found in upstream origin",
                FailureKind::RefNotFound,
            ),
            (
                "error: src refspec nope does not match any",
                FailureKind::RefNotFound,
            ),
            ("fatal: tag 'v1' already exists", FailureKind::AlreadyExists),
            (
                "fatal: '/x' does not appear to be a git repository\nfatal: Could not read from remote repository.",
                FailureKind::RemoteUnreachable,
            ),
            (
                "fatal: repository 'https://h/x/' not found",
                FailureKind::RemoteUnreachable,
            ),
            (
                "fatal: repository '/srv/x.git' does not exist",
                FailureKind::RemoteUnreachable,
            ),
            (
                "fatal: could not read Username for 'https://h': terminal prompts disabled",
                FailureKind::RemoteUnreachable,
            ),
            ("error: something else", FailureKind::Other),
        ];
        for (stderr, expected) in cases {
            assert_eq!(FailureKind::from_stderr(stderr), expected, "{stderr}");
        }
    }
}
