//! GitOps write-back: change only the version value in the environment's values file, commit
//! and push; when someone else pushed meanwhile, start again from their commit.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use flotilla_core::deploy::{self, DeployCommit};
use flotilla_core::{RetryPolicy, Template};
use flotilla_git::{PushOptions, RefName, Repo as GitRepo};
use serde_json::json;

use crate::cd::deploy_error::DeployError;
use crate::cd::deployer::{DeployRequest, Deployer, for_service};
use crate::workspace::Workspace;

/// Attempts at pushing a deploy commit when others push to the deploy repository meanwhile,
/// each redone at once from their commit.
const PUSH_RACE: RetryPolicy = RetryPolicy::immediate(5);

/// Deploys one service to one environment by a commit to its deploy repository.
pub(crate) struct GitopsDeployer {
    workspace: Workspace,
    environment: String,
    /// The deploy repository, resolved against the manifest's directory.
    url: String,
    branch: String,
    /// The values file and the dotted key of the version, filled in for the service.
    file: String,
    key: String,
}

impl GitopsDeployer {
    pub(crate) fn new(
        workspace: &Workspace,
        environment: &str,
        service: &str,
        remote: &str,
        branch: &str,
        file: &Template,
        key: &Template,
    ) -> Self {
        Self {
            url: crate::remote_url::resolve(&workspace.root, remote),
            workspace: workspace.clone(),
            environment: environment.to_owned(),
            branch: branch.to_owned(),
            file: for_service(file, service),
            key: for_service(key, service),
        }
    }

    /// One attempt in a fresh work tree at `dest`: `Ok(None)` when someone pushed meanwhile.
    fn attempt(
        &self,
        dest: &std::path::Path,
        branch_ref: &RefName,
        value: &str,
        message: &str,
        deployment_id: Option<&str>,
        last_error: &mut String,
    ) -> Result<Option<serde_json::Value>, DeployError> {
        let (file, key, branch) = (&self.file, &self.key, &self.branch);
        let cache = &self.workspace.cache;
        let work = cache.work_tree(&self.cache_name(), &self.url, dest, Some(branch_ref))?;
        let work = GitRepo::open(self.workspace.git.clone(), work.path())?;
        let text =
            std::fs::read_to_string(dest.join(file)).map_err(|source| DeployError::ReadValues {
                file: file.clone(),
                url: self.url.clone(),
                source,
            })?;
        let updated = deploy::set_yaml_scalar(&text, key, value).map_err(|source| {
            DeployError::EditValues {
                file: file.clone(),
                source: Box::new(source),
            }
        })?;
        if updated == text {
            // This very deployment may have pushed its commit before its process died; then
            // the record names that commit, as the uninterrupted deployment would have.
            let own = match deployment_id {
                Some(id) => work.find_commit_with_line("HEAD", &DeployCommit::trailer(id))?,
                None => None,
            };
            let changed = own.is_some();
            let commit = own.or(work.head()?).map(|o| o.to_string());
            return Ok(Some(
                json!({ "file": file, "key": key, "commit": commit, "changed": changed }),
            ));
        }
        let base = work.head()?;
        work.write_file(file, updated.as_bytes())?;
        work.add(&[file])?;
        let commit = work.commit(message)?;
        let err = match work.push(
            "origin",
            &[&format!("HEAD:refs/heads/{branch}")],
            &PushOptions::new(),
        ) {
            Ok(()) => {
                return Ok(Some(
                    json!({ "file": file, "key": key, "commit": commit.map(|o| o.to_string()), "changed": true }),
                ));
            }
            Err(err) => err,
        };
        let Some(rejection) = err.push_rejection() else {
            return Err(err.into());
        };
        // Out of date: someone pushed meanwhile. A hook's refusal is a race too when the branch
        // moved under it; when it did not, the hook (or the server) means it. Asked of the
        // deploy repository itself: `origin` fetches from the mirror.
        let raced = rejection.is_out_of_date()
            || (rejection.is_hook_refusal()
                && work.ls_remote(&self.url)?.branch(branch) != base.as_ref());
        if raced {
            *last_error = err.to_string();
            return Ok(None);
        }
        let stderr = err.command_error().map_or("", |e| e.stderr.as_str());
        Err(DeployError::PushRefused {
            branch: branch.clone(),
            url: flotilla_git::redact_credentials(&self.url).into_owned(),
            // One line: tables and summaries show a failure's first line.
            reason: std::iter::once(rejection.describe().as_str())
                .chain(stderr.lines().map(str::trim))
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join("; "),
        })
    }

    fn cache_name(&self) -> String {
        format!("deploy-{}", self.environment)
    }
}

impl Deployer for GitopsDeployer {
    fn deploy(&self, request: &DeployRequest) -> Result<serde_json::Value, DeployError> {
        let deployment = &request.deployment;
        let message = DeployCommit {
            service: &deployment.service,
            version: &request.version,
            environment: &self.environment,
            trigger: &request.trigger,
            approved_by: request.approved_by.as_deref(),
            deployment_id: Some(deployment.id.as_str()),
        }
        .message();
        // Deployments of one process to one deploy repository take turns; other writers (people,
        // other processes) are handled by retrying from their commit.
        let lock = deploy_repo_lock(&self.url);
        let _turn = lock.lock().unwrap_or_else(PoisonError::into_inner);
        let branch_ref = RefName::new(self.branch.as_str())?;
        let mut last_error = String::new();
        for attempt in 1..=PUSH_RACE.attempts {
            self.workspace
                .cache
                .refresh(&self.cache_name(), &self.url)?;
            let dest = self
                .workspace
                .state_dir
                .join("deploy")
                .join(format!("{}-{attempt}", deployment.id));
            if dest.exists() {
                std::fs::remove_dir_all(&dest).map_err(|source| DeployError::Io {
                    action: "remove the old work tree",
                    path: dest.clone(),
                    source,
                })?;
            }
            // A failed attempt leaves its work tree for inspection; a finished one is removed.
            let result = self.attempt(
                &dest,
                &branch_ref,
                &deployment.version,
                &message,
                Some(deployment.id.as_str()),
                &mut last_error,
            )?;
            drop(std::fs::remove_dir_all(&dest));
            if let Some(detail) = result {
                return Ok(detail);
            }
        }
        Err(DeployError::BranchKeptMoving {
            branch: self.branch.clone(),
            attempts: PUSH_RACE.attempts,
            last_error,
        })
    }
}

/// One lock per deploy repository URL, shared by the whole process.
fn deploy_repo_lock(url: &str) -> Arc<Mutex<()>> {
    type Locks = Mutex<BTreeMap<String, Arc<Mutex<()>>>>;
    static LOCKS: OnceLock<Locks> = OnceLock::new();
    let locks = LOCKS.get_or_init(Default::default);
    let mut locks = locks.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(locks.entry(url.to_owned()).or_default())
}
