use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::git_command::{GitCommand, GitHandle};
use crate::identity_setup::IdentitySetup;
use crate::{GitError, Identity, RemoteRefs};

/// How to run git: which program, as whom, with which extra environment.
///
/// Cheap to clone; clones share the result of the one-time identity probe.
#[derive(Debug, Clone)]
pub struct Git {
    program: PathBuf,
    identity: Option<Identity>,
    fallback_identity: Identity,
    env: Vec<(OsString, OsString)>,
    /// Variables git never inherits: secrets of the program that runs git, which hooks of a
    /// local remote (run by `git push` itself) would otherwise see.
    hidden_env: Vec<OsString>,
    configured: Arc<OnceLock<ConfiguredIdentity>>,
    sign_commits: bool,
    sign_tags: bool,
}

/// Which parts of `user.name`/`user.email` the user's git configuration provides.
#[derive(Debug, Clone, Copy)]
struct ConfiguredIdentity {
    name: bool,
    email: bool,
}

impl Git {
    /// `git` from `PATH`, the user's identity, and [`Identity::default`] when the user has none.
    pub fn new() -> Self {
        Self {
            program: git_on_path(),
            identity: None,
            fallback_identity: Identity::default(),
            env: Vec::new(),
            hidden_env: Vec::new(),
            configured: Arc::default(),
            sign_commits: false,
            sign_tags: false,
        }
    }

    /// Signs commits (`git commit -S`) and annotated tags (`git tag -s`) with the key and
    /// format of git's own configuration (`user.signingkey`, `gpg.format`, `gpg.program`).
    #[must_use]
    pub fn with_signing(mut self, commits: bool, tags: bool) -> Self {
        self.sign_commits = commits;
        self.sign_tags = tags;
        self
    }

    pub fn signs_commits(&self) -> bool {
        self.sign_commits
    }

    pub fn signs_tags(&self) -> bool {
        self.sign_tags
    }

    #[must_use]
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self.configured = Arc::default();
        self
    }

    /// Records every commit and tag as `identity`, whatever the user's configuration says.
    #[must_use]
    pub fn with_identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// The identity used when neither [`Git::with_identity`] nor the user's global or system
    /// configuration sets `user.name`/`user.email`.
    #[must_use]
    pub fn with_fallback_identity(mut self, identity: Identity) -> Self {
        self.fallback_identity = identity;
        self
    }

    /// Sets an environment variable for every git process (for example `HOME`, or
    /// `GIT_SSH_COMMAND`).
    #[must_use]
    pub fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self.configured = Arc::default();
        self
    }

    /// Keeps the variable `key` from every git process, whatever the caller's environment
    /// holds.
    #[must_use]
    pub fn without_env(mut self, key: impl Into<OsString>) -> Self {
        self.hidden_env.push(key.into());
        self
    }

    pub fn program(&self) -> &Path {
        &self.program
    }

    pub(crate) fn extra_env(&self) -> &[(OsString, OsString)] {
        &self.env
    }

    pub(crate) fn hidden_env(&self) -> &[OsString] {
        &self.hidden_env
    }

    /// Branches and tags of a remote URL, without a local repository.
    pub fn ls_remote(&self, url: &str) -> Result<RemoteRefs, GitError> {
        RemoteRefs::list(GitCommand::new(self), url)
    }

    pub(crate) fn identity_setup(&self) -> Result<IdentitySetup, GitError> {
        if let Some(identity) = &self.identity {
            return Ok(IdentitySetup::Explicit(identity.clone()));
        }
        let configured = if let Some(configured) = self.configured.get() {
            *configured
        } else {
            // Two threads may probe at once; both find the same answer.
            let probed = self.probe_configured_identity()?;
            *self.configured.get_or_init(|| probed)
        };
        if configured.name && configured.email {
            return Ok(IdentitySetup::UserConfig);
        }
        Ok(IdentitySetup::Fallback {
            name: (!configured.name).then(|| self.fallback_identity.name.clone()),
            email: (!configured.email).then(|| self.fallback_identity.email.clone()),
        })
    }

    /// Asks git once whether the user configured a name and an email. Git's own guess from the
    /// host name is not good enough: it either fails or records something like
    /// `root@host.(none)`.
    fn probe_configured_identity(&self) -> Result<ConfiguredIdentity, GitError> {
        // Outside any repository, so that only global and system configuration count.
        let outside = std::env::temp_dir();
        let command = GitCommand::new(self).in_repo(&outside, false).args([
            "config",
            "--get-regexp",
            r"^user\.(name|email)$",
        ]);
        let output = command.output()?;
        match output.code {
            Some(0 | 1) => {}
            _ => return Err(command.failure(&output, None)),
        }
        let mut configured = ConfiguredIdentity {
            name: false,
            email: false,
        };
        for line in output.stdout_text().lines() {
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            if value.trim().is_empty() {
                continue;
            }
            match key {
                "user.name" => configured.name = true,
                "user.email" => configured.email = true,
                _ => {}
            }
        }
        Ok(configured)
    }
}

/// `git` as found on `PATH` once per process: a bare program name makes every spawn search
/// `PATH` again, one failed `execve` per directory before git's.
fn git_on_path() -> PathBuf {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            use std::os::unix::fs::PermissionsExt;
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths)
                .filter(|dir| dir.is_absolute())
                .map(|dir| dir.join("git"))
                .find(|candidate| {
                    candidate
                        .metadata()
                        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
                })
                .unwrap_or_else(|| PathBuf::from("git"))
        })
        .clone()
}

impl Default for Git {
    fn default() -> Self {
        Self::new()
    }
}

impl GitHandle for Git {
    fn program(&self) -> &Path {
        Git::program(self)
    }

    fn extra_env(&self) -> &[(OsString, OsString)] {
        Git::extra_env(self)
    }

    fn hidden_env(&self) -> &[OsString] {
        Git::hidden_env(self)
    }

    fn identity_setup(&self) -> Result<IdentitySetup, GitError> {
        Git::identity_setup(self)
    }
}
