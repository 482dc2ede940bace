//! What an executor needs to set up one repository's run.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use flotilla_core::fleet::Repo;
use flotilla_core::plan::RepoRun;
use flotilla_git::Git;

use crate::steps::mirror_state::MirrorState;
use crate::workspace::Workspace;

/// One run about to execute its steps.
pub struct RunSetup {
    pub workspace: Workspace,
    pub repo: Repo,
    pub run: RepoRun,
    /// Carries the train's fixed commit dates, so commits made again on resume are the same
    /// commits.
    pub git: Git,
    /// Where the run's work tree goes (cleared first).
    pub dest: PathBuf,
    pub mirrors: MirrorState,
    /// Set when the train is cancelled; steps stop at their next check.
    pub cancel: Arc<AtomicBool>,
    /// The train's and the run's ids in the store (a remote executor names its jobs by them).
    pub train_id: String,
    pub run_id: String,
}
