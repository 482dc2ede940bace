//! `flotilla workflows check | sync` over a fleet: each repository's default branch read from
//! its mirror (no work tree), compared with the rendering, and for `sync` brought in line by
//! one commit pushed with compare-and-swap.
//!
//! Sync is idempotent per repository rather than a stored train: it commits only what differs
//! from the rendering on the branch as it is now, and pushes only while the branch is still
//! where it was read. A sync killed half-way is completed by running it again, which finds the
//! repositories already pushed in sync and commits nothing there; a push that raced another
//! (the branch moved) is redone on the new tip, so nothing is ever committed twice. Release
//! branches are never read or written: only each repository's default branch.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use flotilla_core::fleet::{Fleet, Repo};
use flotilla_core::workflows::{RenderedWorkflow, WorkflowDrift, WorkflowRenderer};
use flotilla_git::MirrorCache;

use super::repo_workflows::RepoWorkflows;
use super::workflow_outcome::WorkflowOutcome;
use super::workflow_sync_error::WorkflowSyncError;
use crate::workspace::Workspace;

/// Pushes refused because the branch moved, redone on its new tip.
const PUSH_TRIES: u32 = 3;

/// The fleet's workflows against its repositories.
pub struct WorkflowFleet<'f> {
    fleet: &'f Fleet,
    root: &'f Path,
    overrides: &'f BTreeMap<String, String>,
    cache: MirrorCache,
    jobs: usize,
}

impl<'f> WorkflowFleet<'f> {
    /// `root` is the manifest's directory (mirrors live in `.flotilla/mirrors` beside it, shared
    /// with releases); `overrides` the template files the manifest names, read.
    pub fn new(fleet: &'f Fleet, root: &'f Path, overrides: &'f BTreeMap<String, String>) -> Self {
        let cache = MirrorCache::new(
            Workspace::git_for(fleet),
            root.join(flotilla_store::SqliteStore::STATE_DIR)
                .join("mirrors"),
        );
        Self {
            fleet,
            root,
            overrides,
            cache,
            jobs: 8,
        }
    }

    /// At most `jobs` repositories at once (at least 1).
    #[must_use]
    pub fn with_jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// Renders every repository of `repos` (all when empty): nothing is read from a remote
    /// before every template rendered.
    pub fn render(
        &self,
        repos: &[&'f Repo],
    ) -> Result<Vec<(&'f Repo, Vec<RenderedWorkflow>)>, WorkflowSyncError> {
        let renderer = WorkflowRenderer::new(self.fleet, self.overrides);
        repos
            .iter()
            .map(|repo| Ok((*repo, renderer.render(repo)?)))
            .collect()
    }

    /// Compares each repository's default branch with its rendering.
    pub fn check(
        &self,
        rendered: &[(&'f Repo, Vec<RenderedWorkflow>)],
        progress: &(dyn Fn(usize, usize, &WorkflowOutcome) + Sync),
    ) -> Vec<WorkflowOutcome> {
        self.each(rendered, progress, |repo, files| {
            let (read, _) = self.read(repo)?;
            Ok((WorkflowDrift::compare(&repo.name, files, &read.files), None))
        })
    }

    /// Commits the rendering to every repository that drifted, one commit each.
    pub fn sync(
        &self,
        rendered: &[(&'f Repo, Vec<RenderedWorkflow>)],
        progress: &(dyn Fn(usize, usize, &WorkflowOutcome) + Sync),
    ) -> Vec<WorkflowOutcome> {
        self.each(rendered, progress, |repo, files| {
            for _ in 0..PUSH_TRIES {
                let (read, mirror) = self.read(repo)?;
                let drift = WorkflowDrift::compare(&repo.name, files, &read.files);
                if drift.is_clean() {
                    return Ok((drift, None));
                }
                let commit = read.commit(&mirror, files, &drift)?;
                if read.push(&mirror, &self.url(repo), &commit)? {
                    return Ok((drift, Some(commit)));
                }
                tracing::info!(repo = %repo.name, "the default branch moved; syncing again on its new tip");
            }
            Err(WorkflowSyncError::KeptMoving {
                repo: repo.name.clone(),
                branch: repo.default_branch.clone(),
                tries: PUSH_TRIES,
            })
        })
    }

    fn url(&self, repo: &Repo) -> String {
        crate::remote_url::resolve(self.root, &repo.remote)
    }

    fn read(&self, repo: &Repo) -> Result<(RepoWorkflows, flotilla_git::Repo), WorkflowSyncError> {
        let mirror = self.cache.refresh(&repo.name, &self.url(repo))?;
        let read = RepoWorkflows::read(&mirror, &repo.name, &repo.default_branch)?;
        Ok((read, mirror))
    }

    /// Runs `work` on every repository, `jobs` at a time, reporting each as it ends; results
    /// in the order of `rendered`.
    fn each(
        &self,
        rendered: &[(&'f Repo, Vec<RenderedWorkflow>)],
        progress: &(dyn Fn(usize, usize, &WorkflowOutcome) + Sync),
        work: impl Fn(
            &Repo,
            &[RenderedWorkflow],
        ) -> Result<(WorkflowDrift, Option<flotilla_git::Oid>), WorkflowSyncError>
        + Sync,
    ) -> Vec<WorkflowOutcome> {
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<WorkflowOutcome>>> =
            Mutex::new((0..rendered.len()).map(|_| None).collect());
        std::thread::scope(|scope| {
            for _ in 0..self.jobs.min(rendered.len()) {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::SeqCst);
                        let Some((repo, files)) = rendered.get(index) else {
                            break;
                        };
                        let outcome = match work(repo, files) {
                            Ok((drift, commit)) => WorkflowOutcome {
                                repo: repo.name.clone(),
                                drift: Some(drift),
                                commit,
                                error: None,
                            },
                            Err(error) => WorkflowOutcome {
                                repo: repo.name.clone(),
                                drift: None,
                                commit: None,
                                error: Some(error),
                            },
                        };
                        let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                        progress(finished, rendered.len(), &outcome);
                        results.lock().unwrap_or_else(PoisonError::into_inner)[index] =
                            Some(outcome);
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .into_iter()
            .flatten()
            .collect()
    }
}
