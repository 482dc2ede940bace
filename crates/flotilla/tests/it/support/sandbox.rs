//! A temporary directory holding a fleet's remotes, its manifest and flotilla's state, with the
//! binary and git run in it isolated from the user's configuration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::snapshot::Snapshot;

/// Commit dates of the remotes' first commits: fixed, so that two sandboxes built alike hold
/// identical commits.
const SEED_DATE: &str = "1700000000 +0000";

/// How long a test waits for a condition it caused (a step to start, a process to exit) before
/// giving up: generous, since it only bounds a hang.
const PATIENCE: Duration = Duration::from_mins(3);

pub struct Sandbox {
    dir: TempDir,
    env: BTreeMap<String, String>,
}

/// The result of one invocation of the binary.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    fn from_output(output: &Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the command succeeded.
    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(self.code, Some(0), "expected success:\n{self}");
        self
    }

    /// Panics with both streams unless the command failed.
    #[track_caller]
    pub fn failure(self) -> Self {
        assert!(
            self.code.is_some_and(|c| c != 0),
            "expected a non-zero exit code:\n{self}"
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{self}"))
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Sandbox {
    /// An empty sandbox: no remotes, no manifest (`flotilla demo` makes both).
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("flotilla-e2e-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("remotes")).unwrap();
        Self {
            dir,
            env: BTreeMap::new(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn manifest(&self) -> PathBuf {
        self.root().join("flotilla.yaml")
    }

    pub fn remote(&self, repo: &str) -> PathBuf {
        self.root().join("remotes").join(format!("{repo}.git"))
    }

    pub fn artifacts(&self) -> PathBuf {
        self.root().join(".flotilla").join("artifacts")
    }

    /// A path in the sandbox outside every repository, for files tests use to steer builds.
    pub fn outside(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    /// Sets an environment variable for every later invocation of the binary.
    pub fn set_env(&mut self, name: &str, value: impl AsRef<std::ffi::OsStr>) {
        self.env.insert(
            name.to_owned(),
            value.as_ref().to_string_lossy().into_owned(),
        );
    }

    /// The binary, with `-f` the manifest, isolated from the user's git and flotilla settings.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_flotilla"));
        command
            .arg("-f")
            .arg(self.manifest())
            .args(args)
            .current_dir(self.root())
            .stdin(Stdio::null());
        self.isolate(&mut command);
        command.envs(&self.env);
        command
    }

    /// Runs the binary to completion.
    pub fn flotilla(&self, args: &[&str]) -> Outcome {
        let output = self.command(args).output().unwrap();
        Outcome::from_output(&output)
    }

    /// Starts the binary without waiting; its output goes to files read by [`Self::finish`].
    pub fn spawn(&self, args: &[&str]) -> Child {
        let name = args.join("-").replace(['/', ' '], "_");
        let out = std::fs::File::create(self.root().join(format!("{name}.stdout"))).unwrap();
        let err = std::fs::File::create(self.root().join(format!("{name}.stderr"))).unwrap();
        self.command(args)
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap()
    }

    /// Waits until the stderr of a process started by [`Self::spawn`] with `args` contains
    /// `needle`, failing the test if the process exits first.
    pub fn wait_for_stderr(&self, args: &[&str], needle: &str, child: &mut Child) {
        let name = args.join("-").replace(['/', ' '], "_");
        let path = self.root().join(format!("{name}.stderr"));
        let deadline = Instant::now() + PATIENCE;
        while !std::fs::read_to_string(&path)
            .unwrap_or_default()
            .contains(needle)
        {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("flotilla exited with {status} before it printed {needle:?}");
            }
            assert!(Instant::now() < deadline, "no {needle:?} in {PATIENCE:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for a process started by [`Self::spawn`] with `args` and returns its outcome.
    pub fn finish(&self, child: Child, args: &[&str]) -> Outcome {
        let output = wait_bounded(child);
        let name = args.join("-").replace(['/', ' '], "_");
        let read = |ext: &str| {
            std::fs::read_to_string(self.root().join(format!("{name}.{ext}"))).unwrap_or_default()
        };
        Outcome {
            code: output.code(),
            stdout: read("stdout"),
            stderr: read("stderr"),
        }
    }

    /// Runs git in the sandbox, isolated like the binary; panics unless it succeeds.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let output = self.git_command(dir, args).output().unwrap();
        assert!(
            output.status.success(),
            "git {} in {} failed:\n{}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs git against a repository's bare remote.
    pub fn remote_git(&self, repo: &str, args: &[&str]) -> String {
        self.git(&self.remote(repo), args)
    }

    /// The tags of a remote, sorted.
    pub fn tags(&self, repo: &str) -> Vec<String> {
        self.remote_git(repo, &["tag", "--list"])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The branches of a remote, sorted.
    pub fn branches(&self, repo: &str) -> Vec<String> {
        self.remote_git(
            repo,
            &["for-each-ref", "--format=%(refname:short)", "refs/heads"],
        )
        .lines()
        .map(str::to_owned)
        .collect()
    }

    /// The content of `path` at `rev` of a remote, or `None` when it does not exist there.
    pub fn show(&self, repo: &str, rev: &str, path: &str) -> Option<String> {
        let output = self
            .git_command(&self.remote(repo), &["show", &format!("{rev}:{path}")])
            .output()
            .unwrap();
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The commit a revision of a remote resolves to.
    pub fn rev(&self, repo: &str, rev: &str) -> String {
        self.remote_git(repo, &["rev-parse", &format!("{rev}^{{commit}}")])
            .trim()
            .to_owned()
    }

    /// Commit subjects reachable from `rev`, newest first.
    pub fn subjects(&self, repo: &str, rev: &str) -> Vec<String> {
        self.remote_git(repo, &["log", "--format=%s", rev])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// How many commits reachable from `rev` have exactly this subject.
    pub fn count_subject(&self, repo: &str, rev: &str, subject: &str) -> usize {
        self.subjects(repo, rev)
            .iter()
            .filter(|s| *s == subject)
            .count()
    }

    /// Every ref of every remote and every file of the local targets.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::take(self)
    }

    /// Pushes a commit with `files` to `branch` of a remote, as a developer would.
    pub fn push_commit(
        &self,
        repo: &str,
        branch: &str,
        files: &[(&str, &str)],
        message: &str,
    ) -> String {
        let work = tempfile::tempdir_in(self.root()).unwrap();
        let remote = self.remote(repo).display().to_string();
        self.git(
            work.path(),
            &["clone", "--quiet", "--branch", branch, &remote, "."],
        );
        for (path, content) in files {
            let file = work.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, content).unwrap();
        }
        self.git(work.path(), &["add", "--all"]);
        self.git(work.path(), &["commit", "--quiet", "-m", message]);
        self.git(work.path(), &["push", "--quiet", "origin", branch]);
        self.git(work.path(), &["rev-parse", "HEAD"])
            .trim()
            .to_owned()
    }

    /// Creates `remotes/NAME.git` with one commit of `files` on master.
    pub(super) fn create_remote(&self, name: &str, files: &BTreeMap<String, String>) {
        let bare = self.remote(name);
        let bare_arg = bare.display().to_string();
        self.git(
            self.root(),
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=master",
                &bare_arg,
            ],
        );
        let seed = tempfile::tempdir_in(self.root()).unwrap();
        for (path, content) in files {
            let file = seed.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, content).unwrap();
            if Path::new(path).extension().is_some_and(|e| e == "sh") {
                make_executable(&file);
            }
        }
        self.git(seed.path(), &["init", "--quiet", "--initial-branch=master"]);
        self.git(seed.path(), &["add", "--all"]);
        self.git(
            seed.path(),
            &[
                "commit",
                "--quiet",
                "-m",
                &format!("Initial commit of {name}"),
            ],
        );
        self.git(seed.path(), &["push", "--quiet", &bare_arg, "master"]);
    }

    fn git_command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = Command::new("git");
        command.arg("-C").arg(dir).args(args).stdin(Stdio::null());
        self.isolate(&mut command);
        command
            .env("GIT_AUTHOR_NAME", "Developer")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "Developer")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com")
            .env("GIT_AUTHOR_DATE", SEED_DATE)
            .env("GIT_COMMITTER_DATE", SEED_DATE);
        command
    }

    /// Keeps the user's configuration out: HOME is the sandbox's, git reads no system or
    /// global settings, and no inherited variable points flotilla or git elsewhere.
    fn isolate(&self, command: &mut Command) {
        command
            .env("HOME", self.root().join("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_AUTHOR_DATE")
            .env_remove("GIT_COMMITTER_DATE")
            .env_remove("FLOTILLA_MANIFEST")
            .env_remove("FLOTILLA_LOG");
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path).unwrap().permissions();
    permissions.set_mode(0o755);
    std::fs::set_permissions(path, permissions).unwrap();
}

/// Waits for a child, killing it (and failing the test) if it hangs.
fn wait_bounded(mut child: Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            drop(child.kill());
            panic!("flotilla did not exit within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `path` exists, failing the test if `child` exits first.
pub fn wait_for_file(path: &Path, child: &mut Child) {
    let deadline = Instant::now() + PATIENCE;
    while !path.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "flotilla exited with {status} before {} appeared",
                path.display()
            );
        }
        assert!(
            Instant::now() < deadline,
            "{} did not appear in {PATIENCE:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
