use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::identity_setup::IdentitySetup;
use crate::redact::redact_credentials;
use crate::{CommandError, FailureKind, GitError};

/// Variables that point git at a particular repository, index or object store. An inherited one
/// (flotilla started from a git hook, say) would make every command act on the wrong repository.
/// This is `git rev-parse --local-env-vars` plus `GIT_NAMESPACE` and `GIT_QUARANTINE_PATH`.
const REPOSITORY_ENV: &[&str] = &[
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_QUARANTINE_PATH",
];

/// Arguments longer than this (commit messages) are shortened in error messages.
const DISPLAY_ARG_LIMIT: usize = 120;

/// What a git invocation takes from the handle that starts it (`Git`): declared here, so that
/// this file does not depend on the handle that depends on it.
pub(crate) trait GitHandle {
    fn program(&self) -> &Path;
    fn extra_env(&self) -> &[(OsString, OsString)];
    fn hidden_env(&self) -> &[OsString];
    fn identity_setup(&self) -> Result<IdentitySetup, GitError>;
}

/// One git invocation, built up by the operations and run once.
pub(crate) struct GitCommand<'a> {
    git: &'a dyn GitHandle,
    repo: Option<(&'a Path, bool)>,
    args: Vec<OsString>,
    identity: bool,
    input: Option<Vec<u8>>,
}

/// What a finished git process left behind.
pub(crate) struct GitOutput {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
}

impl<'a> GitCommand<'a> {
    pub(crate) fn new(git: &'a dyn GitHandle) -> Self {
        Self {
            git,
            repo: None,
            args: Vec::new(),
            identity: false,
            input: None,
        }
    }

    /// Runs inside the repository at `path` (absolute) and nowhere else: discovery may not
    /// climb to a parent repository, and a bare repository is named explicitly so that
    /// `safe.bareRepository=explicit` does not refuse it.
    pub(crate) fn in_repo(mut self, path: &'a Path, bare: bool) -> Self {
        self.repo = Some((path, bare));
        self
    }

    /// Makes the commit identity of the handle apply (commits, tags).
    pub(crate) fn with_identity(mut self) -> Self {
        self.identity = true;
        self
    }

    /// Gives git `input` on its standard input (otherwise it reads nothing).
    pub(crate) fn input(mut self, input: Vec<u8>) -> Self {
        self.input = Some(input);
        self
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|arg| arg.as_ref().to_owned()));
        self
    }

    /// Runs git and returns its output whatever the exit code.
    pub(crate) fn output(&self) -> Result<GitOutput, GitError> {
        let identity = if self.identity {
            self.git.identity_setup()?
        } else {
            IdentitySetup::UserConfig
        };
        let mut command = Command::new(self.git.program());
        for name in REPOSITORY_ENV {
            command.env_remove(name);
        }
        for name in self.git.hidden_env() {
            command.env_remove(name);
        }
        command.envs(self.git.extra_env().iter().map(|(key, value)| (key, value)));
        command
            .env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            // Git Credential Manager would otherwise open a window and wait for a human.
            .env("GCM_INTERACTIVE", "never");
        if let Some((path, bare)) = self.repo {
            command.current_dir(path);
            if let Some(parent) = path.parent() {
                command.env("GIT_CEILING_DIRECTORIES", parent);
            }
            if bare {
                command.arg("--git-dir=.");
            }
        }
        match identity {
            // The environment variables sit above every configuration file (a global
            // `user.name` included), so the handle's identity wins over the host's. One that
            // the caller set itself wins in turn: that is the documented override.
            IdentitySetup::Explicit(identity) => {
                for (name, value) in [
                    ("GIT_AUTHOR_NAME", &identity.name),
                    ("GIT_AUTHOR_EMAIL", &identity.email),
                    ("GIT_COMMITTER_NAME", &identity.name),
                    ("GIT_COMMITTER_EMAIL", &identity.email),
                ] {
                    let given = self.git.extra_env().iter().any(|(key, _)| key == name)
                        || std::env::var_os(name).is_some_and(|v| !v.is_empty());
                    if !given {
                        command.env(name, value);
                    }
                }
            }
            // Command-line config sits where user.* would: author.*, committer.* and the
            // GIT_AUTHOR_*/GIT_COMMITTER_* variables still win over it, as they would in git.
            IdentitySetup::Fallback { name, email } => {
                if let Some(name) = name {
                    command.arg("-c").arg(format!("user.name={name}"));
                }
                if let Some(email) = email {
                    command.arg("-c").arg(format!("user.email={email}"));
                }
            }
            IdentitySetup::UserConfig => {}
        }
        command
            .args(&self.args)
            .stdin(if self.input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let spawn_error = |source| GitError::Spawn {
            program: self.git.program().to_owned(),
            dir: self
                .repo
                .map_or_else(|| Path::new(".").to_owned(), |(path, _)| path.to_owned()),
            source,
        };
        let output = match &self.input {
            None => command.output().map_err(spawn_error)?,
            Some(input) => {
                let mut child = command.spawn().map_err(spawn_error)?;
                let stdin = child.stdin.take();
                // Written from another thread, so that a git that answers before it has read
                // everything cannot block on a full pipe while we block on its input.
                std::thread::scope(|scope| {
                    scope.spawn(move || {
                        if let Some(mut stdin) = stdin {
                            // A git that exits early closes the pipe; its exit code says why.
                            let _ = std::io::Write::write_all(&mut stdin, input);
                        }
                    });
                    child.wait_with_output()
                })
                .map_err(spawn_error)?
            }
        };
        Ok(GitOutput {
            code: output.status.code(),
            stdout: output.stdout,
            stderr: output.stderr,
        })
    }

    /// Runs git and turns a non-zero exit into an error.
    pub(crate) fn run(&self) -> Result<GitOutput, GitError> {
        let output = self.output()?;
        if output.success() {
            Ok(output)
        } else {
            Err(self.failure(&output, None))
        }
    }

    /// The error for a failed run; `kind` overrides the classification from stderr.
    pub(crate) fn failure(&self, output: &GitOutput, kind: Option<FailureKind>) -> GitError {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr = redact_credentials(stderr.trim()).into_owned();
        let kind = kind.unwrap_or_else(|| FailureKind::from_stderr(&stderr));
        GitError::Command(Box::new(CommandError {
            command: self.display(),
            dir: self.repo.map(|(path, _)| path.to_owned()),
            exit_code: output.code,
            stderr,
            kind,
        }))
    }

    pub(crate) fn unexpected(&self, detail: impl Into<String>) -> GitError {
        GitError::UnexpectedOutput {
            command: self.display(),
            detail: detail.into(),
        }
    }

    /// The command line for messages: redacted, quoted where needed, long arguments shortened.
    fn display(&self) -> String {
        let mut line = String::from("git");
        for arg in &self.args {
            let arg = arg.to_string_lossy();
            let arg = redact_credentials(&arg);
            let arg: Cow<'_, str> = if arg.chars().count() > DISPLAY_ARG_LIMIT {
                let mut short: String = arg.chars().take(DISPLAY_ARG_LIMIT).collect();
                short.push('…');
                Cow::Owned(short)
            } else {
                arg
            };
            line.push(' ');
            if arg.is_empty()
                || arg.contains(|character: char| {
                    character.is_whitespace() || "'\"\\".contains(character)
                })
            {
                let _ = write!(line, "{arg:?}");
            } else {
                line.push_str(&arg);
            }
        }
        line
    }
}

impl GitOutput {
    pub(crate) fn success(&self) -> bool {
        self.code == Some(0)
    }

    pub(crate) fn stdout_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.stdout)
    }
}
