#![expect(
    clippy::unwrap_used,
    reason = "a fixture that cannot be built fails the test"
)]

use std::path::PathBuf;

use flotilla_git::{Git, Identity, PushOptions, RefName, Repo};
use tempfile::TempDir;

/// A scratch directory with a git configuration of its own: `HOME` and `XDG_CONFIG_HOME` point
/// at an empty directory and the system configuration is ignored, so the machine's git
/// configuration cannot change the outcome.
pub struct Sandbox {
    pub dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Self { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// A handle that sees no user identity at all.
    pub fn bare_git(&self) -> Git {
        Git::new()
            .with_env("HOME", self.home())
            .with_env("XDG_CONFIG_HOME", self.home())
            .with_env("GIT_CONFIG_NOSYSTEM", "1")
    }

    /// A clone of a freshly seeded remote, made without any identity.
    pub fn unconfigured_work_tree(&self) -> Repo {
        let (_remote, url) = self.seeded_remote("remote.git");
        self.bare_git()
            .clone_repo(&url, self.path("work"), None)
            .unwrap()
    }

    pub fn git(&self) -> Git {
        self.bare_git()
            .with_identity(Identity::new("Test Author", "author@example.com"))
    }

    /// A bare remote with one commit on `master` (README), and its URL.
    pub fn seeded_remote(&self, name: &str) -> (Repo, String) {
        let git = self.git();
        let remote = git
            .init_bare(self.path(name), Some(&branch("master")))
            .unwrap();
        let url = remote.path().to_str().unwrap().to_owned();
        let seed = git
            .clone_repo(&url, self.path(&format!("{name}-seed")), None)
            .unwrap();
        seed.write_file("README", b"hello\n").unwrap();
        seed.add(&["README"]).unwrap();
        seed.commit("initial commit").unwrap().unwrap();
        seed.push("origin", &["HEAD:refs/heads/master"], &PushOptions::new())
            .unwrap();
        (remote, url)
    }
}

pub fn branch(name: &str) -> RefName {
    RefName::new(name).unwrap()
}

/// Commits one new file in `repo` and returns the commit.
pub fn commit_file(repo: &Repo, path: &str, contents: &str) -> flotilla_git::Oid {
    repo.write_file(path, contents.as_bytes()).unwrap();
    repo.add(&[path]).unwrap();
    repo.commit(&format!("add {path}")).unwrap().unwrap()
}
