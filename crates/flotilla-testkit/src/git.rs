use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// git as the tests run it: argv, isolated from the machine's and the user's settings (no
/// system or global configuration, no inherited `GIT_DIR`), as a fixed identity, and with
/// fixed commit dates when asked, so that two fleets built alike hold identical commits.
#[must_use]
#[derive(Debug, Clone)]
pub struct Git {
    home: Option<PathBuf>,
    date: Option<String>,
}

impl Default for Git {
    fn default() -> Self {
        Self::new()
    }
}

impl Git {
    pub const fn new() -> Self {
        Self {
            home: None,
            date: None,
        }
    }

    /// Runs git (and whatever else [`Git::isolate`] prepares) with `HOME` at `home`.
    pub fn home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// Commits dated `date` (`SECONDS +ZONE`), author and committer alike.
    pub fn dated(mut self, date: &str) -> Self {
        self.date = Some(date.to_owned());
        self
    }

    /// Keeps the user's configuration out of `command`: `HOME` is ours when set, git reads no
    /// system or global settings, and no inherited variable points git elsewhere.
    pub fn isolate(&self, command: &mut Command) {
        if let Some(home) = &self.home {
            command.env("HOME", home);
        }
        command
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_AUTHOR_DATE")
            .env_remove("GIT_COMMITTER_DATE");
    }

    /// `git -C DIR ARGS…`, isolated, as `Developer <dev@example.com>`.
    pub fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = Command::new("git");
        command.arg("-C").arg(dir).args(args).stdin(Stdio::null());
        self.isolate(&mut command);
        command
            .env("GIT_AUTHOR_NAME", "Developer")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "Developer")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com");
        if let Some(date) = &self.date {
            command
                .env("GIT_AUTHOR_DATE", date)
                .env("GIT_COMMITTER_DATE", date);
        }
        command
    }

    /// Runs git in `dir` whatever its exit.
    pub fn try_output(&self, dir: &Path, args: &[&str]) -> Output {
        self.command(dir, args).output().unwrap()
    }

    /// Runs git in `dir`; panics with its stderr unless it succeeds.
    #[track_caller]
    pub fn output(&self, dir: &Path, args: &[&str]) -> Output {
        let output = self.try_output(dir, args);
        assert!(
            output.status.success(),
            "git {} in {} failed:\n{}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Runs git in `dir` and returns its stdout; panics unless it succeeds.
    #[track_caller]
    pub fn run(&self, dir: &Path, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.output(dir, args).stdout).into_owned()
    }

    /// Whether git exits with success (for git as an oracle: `check-ref-format`).
    pub fn succeeds(&self, dir: &Path, args: &[&str]) -> bool {
        self.try_output(dir, args).status.success()
    }

    /// Creates a bare repository at `bare` whose `master` holds one commit of `files`
    /// (relative path, content; `*.sh` files are executable), made in a scratch clone under
    /// `scratch`.
    pub fn seed_bare<'a>(
        &self,
        bare: &Path,
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
        message: &str,
        scratch: &Path,
    ) {
        let bare_arg = bare.display().to_string();
        self.run(
            scratch,
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=master",
                &bare_arg,
            ],
        );
        let seed = tempfile::tempdir_in(scratch).unwrap();
        for (path, content) in files {
            let file = seed.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, content).unwrap();
            if Path::new(path).extension().is_some_and(|e| e == "sh") {
                make_executable(&file);
            }
        }
        self.run(seed.path(), &["init", "--quiet", "--initial-branch=master"]);
        self.run(seed.path(), &["add", "--all"]);
        self.run(seed.path(), &["commit", "--quiet", "-m", message]);
        self.run(seed.path(), &["push", "--quiet", &bare_arg, "master"]);
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path).unwrap().permissions();
    permissions.set_mode(0o755);
    std::fs::set_permissions(path, permissions).unwrap();
}
