//! The `Git` operations that create a repository and hand back its [`Repo`]; here rather than
//! in `git.rs` so that `Git` does not depend on `Repo`, which holds a `Git`.

use std::path::Path;

use crate::git_command::GitCommand;
use crate::{Git, GitError, RefName, Repo};

impl Git {
    /// `git init --bare`, with `initial_branch` as the unborn HEAD when given.
    pub fn init_bare(
        &self,
        path: impl AsRef<Path>,
        initial_branch: Option<&RefName>,
    ) -> Result<Repo, GitError> {
        let path = path.as_ref();
        let mut command = GitCommand::new(self).args(["init", "--bare", "--quiet"]);
        if let Some(branch) = initial_branch {
            command = command.arg(format!("--initial-branch={branch}"));
        }
        command.arg("--").arg(path).run()?;
        Repo::open(self.clone(), path)
    }

    /// `git clone` of `url` into `dest`, checking out `branch` (or the remote's HEAD).
    pub fn clone_repo(
        &self,
        url: &str,
        dest: impl AsRef<Path>,
        branch: Option<&RefName>,
    ) -> Result<Repo, GitError> {
        let dest = dest.as_ref();
        let mut command = GitCommand::new(self).args(["clone", "--quiet"]);
        if let Some(branch) = branch {
            command = command.arg("--branch").arg(branch.as_str());
        }
        command.arg("--").arg(url).arg(dest).run()?;
        Repo::open(self.clone(), dest)
    }
}
