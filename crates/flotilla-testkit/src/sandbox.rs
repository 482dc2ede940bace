use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

use crate::git::Git;
use crate::outcome::Outcome;
use crate::snapshot::Snapshot;
use crate::wait;

/// Commit dates of the sandbox's commits: fixed, so that two sandboxes built alike hold
/// identical commits.
const SEED_DATE: &str = "1700000000 +0000";

/// A temporary directory holding a fleet's remotes (`remotes/NAME.git`), its manifest and
/// flotilla's state, with the binary under test and git run in it isolated from the user's
/// configuration.
#[must_use]
pub struct Sandbox {
    dir: TempDir,
    program: Option<PathBuf>,
    env: BTreeMap<String, String>,
    git: Git,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// An empty sandbox: no remotes, no manifest, no binary to run yet.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("flotilla-e2e-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("remotes")).unwrap();
        let git = Git::new().home(dir.path().join("home")).dated(SEED_DATE);
        Self {
            dir,
            program: None,
            env: BTreeMap::new(),
            git,
        }
    }

    /// The flotilla binary [`Sandbox::command`] runs (a test crate's `CARGO_BIN_EXE_flotilla`).
    pub fn binary(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = Some(program.into());
        self
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
        let program = self
            .program
            .as_ref()
            .expect("a sandbox that runs flotilla: build it with .binary(…)");
        let mut command = Command::new(program);
        command
            .arg("-f")
            .arg(self.manifest())
            .args(args)
            .current_dir(self.root())
            .stdin(Stdio::null());
        self.git.isolate(&mut command);
        command
            .env_remove("FLOTILLA_MANIFEST")
            .env_remove("FLOTILLA_LOG")
            .env_remove("FLOTILLA_LOG_FORMAT")
            .envs(&self.env);
        command
    }

    /// Runs the binary to completion.
    pub fn flotilla(&self, args: &[&str]) -> Outcome {
        let output = self.command(args).output().unwrap();
        Outcome::from_output(&output)
    }

    /// Starts the binary without waiting; its output goes to files read by [`Self::finish`].
    pub fn spawn(&self, args: &[&str]) -> Child {
        let out = std::fs::File::create(self.output_file(args, "stdout")).unwrap();
        let err = std::fs::File::create(self.output_file(args, "stderr")).unwrap();
        self.command(args)
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap()
    }

    /// Waits until the stderr of a process started by [`Self::spawn`] with `args` contains
    /// `needle`, failing the test if the process exits first.
    pub fn wait_for_stderr(&self, args: &[&str], needle: &str, child: &mut Child) {
        let path = self.output_file(args, "stderr");
        wait::while_running(child, &format!("{needle:?} on stderr"), || {
            std::fs::read_to_string(&path)
                .unwrap_or_default()
                .contains(needle)
                .then_some(())
        });
    }

    /// Waits for a process started by [`Self::spawn`] with `args` and returns its outcome.
    pub fn finish(&self, mut child: Child, args: &[&str]) -> Outcome {
        let status = wait::for_exit(&mut child);
        let read =
            |stream| std::fs::read_to_string(self.output_file(args, stream)).unwrap_or_default();
        Outcome {
            code: status.code(),
            stdout: read("stdout"),
            stderr: read("stderr"),
        }
    }

    fn output_file(&self, args: &[&str], stream: &str) -> PathBuf {
        let name = args.join("-").replace(['/', ' '], "_");
        self.root().join(format!("{name}.{stream}"))
    }

    /// git as the sandbox runs it: isolated, as a fixed identity, with fixed dates.
    pub fn git_handle(&self) -> &Git {
        &self.git
    }

    /// Runs git in the sandbox, isolated like the binary; panics unless it succeeds.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        self.git.run(dir, args)
    }

    /// Runs git against a repository's bare remote.
    pub fn remote_git(&self, repo: &str, args: &[&str]) -> String {
        self.git(&self.remote(repo), args)
    }

    /// The tags of a remote, sorted.
    pub fn tags(&self, repo: &str) -> Vec<String> {
        lines(&self.remote_git(repo, &["tag", "--list"]))
    }

    /// The branches of a remote, sorted.
    pub fn branches(&self, repo: &str) -> Vec<String> {
        lines(&self.remote_git(
            repo,
            &["for-each-ref", "--format=%(refname:short)", "refs/heads"],
        ))
    }

    /// The content of `path` at `rev` of a remote, or `None` when it does not exist there.
    pub fn show(&self, repo: &str, rev: &str, path: &str) -> Option<String> {
        let output = self
            .git
            .try_output(&self.remote(repo), &["show", &format!("{rev}:{path}")]);
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
        lines(&self.remote_git(repo, &["log", "--format=%s", rev]))
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
        Snapshot::take(&self.git, &self.root().join("remotes"), &self.artifacts())
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
    pub fn create_remote<'a>(
        &self,
        name: &str,
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
        message: &str,
    ) {
        self.git
            .seed_bare(&self.remote(name), files, message, self.root());
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}
