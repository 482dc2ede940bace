//! One repository's run: a work tree cloned from the mirror cache, which its steps share.
//! Synchronous: the train runner sets it up on a blocking thread.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use flotilla_core::fleet::Repo;
use flotilla_core::plan::RepoRun;
use flotilla_git::{RefName, Repo as GitRepo};

use crate::steps::mirror_state::MirrorState;
use crate::steps::plumbing_run::PlumbingRun;
use crate::steps::run_setup::RunSetup;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::workspace::Workspace;

/// The state one run's steps share.
pub struct RunContext {
    pub workspace: Workspace,
    pub repo: Repo,
    pub run: RepoRun,
    pub url: String,
    /// The run's work tree; the mirror itself when `plumbing` makes the release.
    pub work: GitRepo,
    /// Set when the run needs no work tree: its steps write objects in the mirror.
    pub plumbing: Option<PlumbingRun>,
    pub cancel: Arc<AtomicBool>,
    /// The train's and the run's ids in the store; empty outside a train.
    pub train_id: String,
    pub run_id: String,
}

impl RunContext {
    /// Clones a fresh work tree at the run's source from the mirror, refreshed first unless
    /// `mirrors` says it is fresh. `git` carries the train's fixed commit dates, so commits made
    /// again on resume are the same commits.
    pub fn prepare(setup: RunSetup) -> Result<Self, StepError> {
        let RunSetup {
            workspace,
            repo,
            run,
            git,
            dest,
            mirrors,
            cancel,
            train_id,
            run_id,
        } = setup;
        let url = workspace.remote_url(&repo);
        let mirror = match mirrors {
            MirrorState::Stale => Some(workspace.cache.refresh(&repo.name, &url)?),
            MirrorState::Fresh => None,
        };
        let mirror_path = workspace.cache.mirror_path(&repo.name)?;
        if mirror_path.exists() {
            // The train's handle: the objects written carry its dates.
            let in_mirror = GitRepo::open(git.clone(), &mirror_path)?;
            if let Some(plumbing) = PlumbingRun::start(&in_mirror, &run, &repo, &url)? {
                return Ok(Self {
                    workspace,
                    repo,
                    run,
                    url,
                    work: in_mirror,
                    plumbing: Some(plumbing),
                    cancel,
                    train_id,
                    run_id,
                });
            }
        }
        if dest.exists() {
            std::fs::remove_dir_all(&dest).map_err(|source| StepErrorKind::ClearWorkTree {
                path: dest.clone(),
                source,
            })?;
        }
        let source = run.source.as_str();
        let branch_exists = source == repo.default_branch
            || (!source.starts_with("refs/") && {
                let mirror = match mirror {
                    Some(mirror) => mirror,
                    None => GitRepo::open(
                        workspace.git.clone(),
                        workspace.cache.mirror_path(&repo.name)?,
                    )?,
                };
                mirror.rev_parse(&format!("refs/heads/{source}"))?.is_some()
            });
        let start = if branch_exists {
            source
        } else {
            &repo.default_branch
        };
        let start = RefName::new(start)?;
        let work = workspace
            .cache
            .work_tree(&repo.name, &url, &dest, Some(&start))?;
        let work = GitRepo::open(git, work.path())?;
        if let Some(tag) = source.strip_prefix("refs/tags/") {
            work.switch_create(&RefName::new(format!("flotilla-{tag}"))?, source)?;
        }
        Ok(Self {
            workspace,
            repo,
            run,
            url,
            work,
            plumbing: None,
            cancel,
            train_id,
            run_id,
        })
    }

    /// The commit the run released: the release branch's tip.
    pub fn release_rev(&self) -> String {
        self.plumbing
            .as_ref()
            .map_or_else(|| "HEAD".to_owned(), |p| p.tip().to_string())
    }
}
