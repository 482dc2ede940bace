//! Continuous deployment: an image tag arrives, the policy decides which environments take it,
//! and a deployer (GitOps write-back or Helm) applies it. Every deployment is recorded; protected
//! environments wait for an approval.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use flotilla_core::deploy::{
    self, Decision, DeployCommit, DeployOptions, DeployTrigger, HelmOutcome, ImagePushed,
    ImageVersion,
};
use flotilla_core::fleet::{Deploy, Environment};
use flotilla_git::{PushOptions, RefName, Repo as GitRepo};
use flotilla_store::{Deployment, DeploymentStatus, EventStatus, NewDeployment, Store};
use serde_json::json;

use crate::engine::Engine;
use crate::engine_error::EngineError;
use crate::event_processor::EventOutcome;
use crate::notifier::{DeployReport, Message};
use crate::workspace::Workspace;

/// Attempts at pushing a deploy commit when others push to the deploy repository meanwhile.
const PUSH_ATTEMPTS: u32 = 5;

impl Engine {
    /// Deploys `repository:tag` where the environments' policies want it. `received` is when
    /// the registry's event arrived, for the push-to-deploy latency.
    pub async fn deploy_image(
        &self,
        repository: &str,
        tag: &str,
        digest: &str,
        trigger: &str,
    ) -> Result<EventOutcome, EngineError> {
        let fleet = Arc::clone(&self.workspace().fleet);
        let pushed = ImagePushed {
            image: repository.to_owned(),
            tag: tag.to_owned(),
            digest: digest.to_owned(),
        };
        let matched = match deploy::match_image(&fleet, &pushed) {
            Ok(matched) => matched,
            Err(ignored) => {
                return Ok(EventOutcome {
                    status: EventStatus::Ignored,
                    detail: ignored.to_string(),
                    trains: Vec::new(),
                    deployments: Vec::new(),
                });
            }
        };
        let store = &self.workspace().store;
        let mut running = BTreeMap::new();
        for environment in &fleet.environments {
            if let Some(current) = store
                .current_deployment(&matched.service, &environment.name)
                .await?
                && let Some(version) = deploy::classify_tag(&current.version)
            {
                running.insert(environment.name.clone(), version);
            }
        }
        let decisions = deploy::decide(
            &fleet.environments,
            &matched.version,
            &running,
            &DeployOptions::default(),
        );
        let mut notes = Vec::new();
        let mut ids = Vec::new();
        let mut failed = false;
        for decision in decisions {
            match decision {
                Decision::Skip {
                    environment,
                    reason,
                } => notes.push(format!("{environment}: skipped, {reason}")),
                Decision::Deploy {
                    environment,
                    needs_approval,
                    ..
                } => {
                    // The same event processed again (the server stopped mid-way): continue
                    // what it started instead of recording a second deployment.
                    let earlier = store
                        .deployment_history(&matched.service, Some(&environment), 20)
                        .await?
                        .into_iter()
                        .find(|d| d.trigger == trigger && d.version == tag);
                    if let Some(earlier) = earlier {
                        ids.push(earlier.id.to_string());
                        if matches!(
                            earlier.status,
                            DeploymentStatus::Running | DeploymentStatus::Approved
                        ) {
                            let done = self.execute_deployment(&earlier, None).await?;
                            failed |= done.status == DeploymentStatus::Failed;
                            notes.push(format!("{environment}: {} (resumed)", done.status));
                        } else {
                            notes.push(format!("{environment}: already {}", earlier.status));
                        }
                        continue;
                    }
                    let deployment = store
                        .create_deployment(&NewDeployment {
                            service: matched.service.clone(),
                            environment: environment.clone(),
                            version: tag.to_owned(),
                            image: repository.to_owned(),
                            digest: digest.to_owned(),
                            trigger: trigger.to_owned(),
                            requested_by: "flotilla".to_owned(),
                            needs_approval,
                            expires_at: None,
                        })
                        .await?;
                    store
                        .supersede_pending(&matched.service, &environment, &deployment.id)
                        .await?;
                    ids.push(deployment.id.to_string());
                    if needs_approval {
                        notes.push(format!(
                            "{environment}: waiting for approval (flotilla deploy approve {})",
                            deployment.id
                        ));
                        self.notify_deployment(&deployment).await;
                    } else {
                        let done = self.execute_deployment(&deployment, None).await?;
                        failed |= done.status == DeploymentStatus::Failed;
                        notes.push(format!("{environment}: {}", done.status));
                    }
                }
            }
        }
        Ok(EventOutcome {
            status: if failed {
                EventStatus::Failed
            } else {
                EventStatus::Processed
            },
            detail: format!("{repository}:{tag} → {}", notes.join("; ")),
            trains: Vec::new(),
            deployments: ids,
        })
    }

    /// Approves a pending deployment and carries it out.
    pub async fn approve(&self, id: &str, by: &str) -> Result<Deployment, EngineError> {
        let store = &self.workspace().store;
        let pending = store.deployment(id).await?;
        let approved = store.decide_deployment(&pending.id, true, by).await?;
        self.execute_deployment(&approved, Some(by)).await
    }

    /// Rejects a pending deployment.
    pub async fn reject(&self, id: &str, by: &str) -> Result<Deployment, EngineError> {
        let store = &self.workspace().store;
        let pending = store.deployment(id).await?;
        let rejected = store.decide_deployment(&pending.id, false, by).await?;
        self.notify_deployment(&rejected).await;
        Ok(rejected)
    }

    /// Deploys again the version that ran before the current one. A rollback is a human's
    /// explicit decision, so it needs no further approval.
    pub async fn rollback(
        &self,
        service: &str,
        environment: &str,
        by: &str,
    ) -> Result<Deployment, EngineError> {
        let store = &self.workspace().store;
        if !self
            .workspace()
            .fleet
            .environments
            .iter()
            .any(|e| e.name == environment)
        {
            return Err(EngineError::Other(format!(
                "environment {environment} is not in the manifest"
            )));
        }
        let previous = store
            .previous_successful(service, environment)
            .await?
            .ok_or_else(|| {
                EngineError::Other(format!(
                    "{service} has no earlier successful deployment in {environment} to roll back to\n  help: see `flotilla deploy history {service} --env {environment}`"
                ))
            })?;
        let deployment = store
            .create_deployment(&NewDeployment {
                service: service.to_owned(),
                environment: environment.to_owned(),
                version: previous.version.clone(),
                image: previous.image.clone(),
                digest: previous.digest.clone(),
                trigger: format!("rollback by {by}"),
                requested_by: by.to_owned(),
                needs_approval: false,
                expires_at: None,
            })
            .await?;
        self.execute_deployment(&deployment, Some(by)).await
    }

    /// Applies an approved deployment with its environment's deployer and records the result.
    pub async fn execute_deployment(
        &self,
        deployment: &Deployment,
        approved_by: Option<&str>,
    ) -> Result<Deployment, EngineError> {
        let store = &self.workspace().store;
        let environment = self
            .workspace()
            .fleet
            .environments
            .iter()
            .find(|e| e.name == deployment.environment)
            .cloned()
            .ok_or_else(|| {
                EngineError::Other(format!(
                    "environment {} is no longer in the manifest",
                    deployment.environment
                ))
            })?;
        // A deployment left `running` by a stopped process is carried on: the deployers check
        // what is already there, so doing it again changes nothing twice.
        if deployment.status != DeploymentStatus::Running {
            store.deployment_started(&deployment.id).await?;
        }
        let workspace = self.workspace().clone();
        let record = deployment.clone();
        let approved_by = approved_by.map(str::to_owned);
        let result = tokio::task::spawn_blocking(move || {
            apply(&workspace, &environment, &record, approved_by.as_deref())
        })
        .await
        .map_err(|e| EngineError::Other(e.to_string()))?;
        let (status, error, detail) = match result {
            Ok(detail) => (DeploymentStatus::Succeeded, None, detail),
            Err(message) => (
                DeploymentStatus::Failed,
                Some(self.workspace().redactor.redact(&message).into_owned()),
                json!({}),
            ),
        };
        let done = store
            .deployment_finished(&deployment.id, status, error.as_deref(), Some(&detail))
            .await?;
        if let Some(observer) = &self.deploy_observer {
            let latency = jiff::Timestamp::now().duration_since(deployment.created_at);
            observer(Duration::try_from(latency).unwrap_or_default());
        }
        self.notify_deployment(&done).await;
        Ok(done)
    }

    /// An image published to a local target has no registry to announce it, so the engine
    /// does: continuous deployment starts as it would from a registry's notification. A failed
    /// deployment is recorded and notified; it does not fail the release that published.
    pub(crate) async fn deploy_published(
        &self,
        step: &flotilla_core::plan::Step,
        artifacts: &[crate::steps::published::Published],
        train: &flotilla_store::Train,
    ) {
        let flotilla_core::plan::Step::PublishImage {
            registry,
            name,
            tags,
            ..
        } = step
        else {
            return;
        };
        if self.workspace().fleet.environments.is_empty()
            || !(self.deploy_server_pushes
                || crate::steps::publish_target::is_local(self.workspace(), registry))
        {
            return;
        }
        let Some(digest) = artifacts.first().map(|a| a.digest.clone()) else {
            return;
        };
        for tag in tags.iter().filter(|t| *t != "latest") {
            let trigger = format!("published by train {}", train.id);
            match self.deploy_image(name, tag, &digest, &trigger).await {
                Ok(outcome) => tracing::info!(detail = %outcome.detail, "continuous deployment"),
                Err(err) => {
                    tracing::warn!(%err, image = %name, %tag, "continuous deployment failed");
                }
            }
        }
    }

    async fn notify_deployment(&self, deployment: &Deployment) {
        let report = Message::Deploy(DeployReport {
            id: deployment.id.to_string(),
            service: deployment.service.clone(),
            environment: deployment.environment.clone(),
            version: deployment.version.clone(),
            status: deployment.status.to_string(),
            trigger: deployment.trigger.clone(),
            approved_by: deployment.decided_by.clone(),
            error: deployment.error.clone(),
        });
        let notifier = self.notifier.clone();
        drop(tokio::task::spawn_blocking(move || notifier.send(&report)).await);
    }
}

/// Carries out one deployment; the detail is stored with it.
fn apply(
    workspace: &Workspace,
    environment: &Environment,
    deployment: &Deployment,
    approved_by: Option<&str>,
) -> Result<serde_json::Value, String> {
    let version = deploy::classify_tag(&deployment.version)
        .ok_or_else(|| format!("{} is not a deployable version", deployment.version))?;
    let trigger = if deployment.trigger.starts_with("rollback") {
        DeployTrigger::Rollback {
            requested_by: deployment.requested_by.clone(),
        }
    } else {
        DeployTrigger::ImagePushed(ImagePushed {
            image: deployment.image.clone(),
            tag: deployment.version.clone(),
            digest: deployment.digest.clone(),
        })
    };
    let service = deployment.service.as_str();
    match &environment.deploy {
        Deploy::Gitops {
            remote,
            branch,
            file,
            key,
        } => {
            let message = DeployCommit {
                service,
                version: &version,
                environment: &environment.name,
                trigger: &trigger,
                approved_by,
                deployment_id: Some(deployment.id.as_str()),
            }
            .message();
            gitops_write(
                workspace,
                &environment.name,
                remote,
                branch,
                &file.replace("{service}", service),
                &key.replace("{service}", service),
                &deployment.version,
                &message,
                deployment.id.as_str(),
            )
        }
        Deploy::Helm {
            release,
            chart,
            namespace,
            kube_context,
        } => helm_upgrade(
            &release.replace("{service}", service),
            &chart.replace("{service}", service),
            namespace,
            kube_context.as_deref(),
            &version,
        ),
    }
}

/// GitOps write-back: change only the version value in the environment's values file, commit
/// and push; when someone else pushed meanwhile, start again from their commit.
#[allow(clippy::too_many_arguments)]
fn gitops_write(
    workspace: &Workspace,
    environment: &str,
    remote: &str,
    branch: &str,
    file: &str,
    key: &str,
    value: &str,
    message: &str,
    deployment_id: &str,
) -> Result<serde_json::Value, String> {
    let url = if remote.contains("://")
        || std::path::Path::new(remote).is_absolute()
        || remote.contains('@')
    {
        remote.to_owned()
    } else {
        workspace.path(remote).display().to_string()
    };
    let cache_name = format!("deploy-{environment}");
    // Deployments of one process to one deploy repository take turns; other writers (people,
    // other processes) are handled by retrying from their commit.
    let lock = deploy_repo_lock(&url);
    let _turn = lock
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let branch_ref = RefName::new(branch).map_err(|e| e.to_string())?;
    let mut last_error = String::new();
    for attempt in 1..=PUSH_ATTEMPTS {
        workspace
            .cache
            .refresh(&cache_name, &url)
            .map_err(|e| e.to_string())?;
        let dest = workspace
            .state_dir
            .join("deploy")
            .join(format!("{deployment_id}-{attempt}"));
        if dest.exists() {
            std::fs::remove_dir_all(&dest).map_err(|e| e.to_string())?;
        }
        let work = workspace
            .cache
            .work_tree(&cache_name, &url, &dest, Some(&branch_ref))
            .map_err(|e| e.to_string())?;
        let work = GitRepo::open(workspace.git.clone(), work.path()).map_err(|e| e.to_string())?;
        let text = std::fs::read_to_string(dest.join(file))
            .map_err(|e| format!("cannot read {file} in the deploy repository {url}: {e}"))?;
        let updated =
            deploy::set_yaml_scalar(&text, key, value).map_err(|e| format!("{file}: {e}"))?;
        let result = if updated == text {
            Ok(
                json!({ "file": file, "key": key, "commit": work.head().ok().flatten().map(|o| o.to_string()), "changed": false }),
            )
        } else {
            work.write_file(file, updated.as_bytes())
                .map_err(|e| e.to_string())?;
            work.add(&[file]).map_err(|e| e.to_string())?;
            let commit = work.commit(message).map_err(|e| e.to_string())?;
            match work.push(
                "origin",
                &[&format!("HEAD:refs/heads/{branch}")],
                &PushOptions::new(),
            ) {
                Ok(()) => Ok(
                    json!({ "file": file, "key": key, "commit": commit.map(|o| o.to_string()), "changed": true }),
                ),
                // Out of date, or the ref moved while git held it: someone pushed meanwhile.
                Err(err) if err.push_rejection().is_some() => {
                    last_error = err.to_string();
                    Err(())
                }
                Err(err) => return Err(err.to_string()),
            }
        };
        drop(std::fs::remove_dir_all(&dest));
        if let Ok(detail) = result {
            return Ok(detail);
        }
    }
    Err(format!(
        "the deploy repository's {branch} kept moving; gave up after {PUSH_ATTEMPTS} attempts: {last_error}"
    ))
}

/// One lock per deploy repository URL, shared by the whole process.
fn deploy_repo_lock(url: &str) -> Arc<std::sync::Mutex<()>> {
    type Locks = std::sync::Mutex<BTreeMap<String, Arc<std::sync::Mutex<()>>>>;
    static LOCKS: std::sync::OnceLock<Locks> = std::sync::OnceLock::new();
    let locks = LOCKS.get_or_init(Default::default);
    let mut locks = locks
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(locks.entry(url.to_owned()).or_default())
}

/// `helm upgrade --install … --wait --atomic`, argv only.
fn helm_upgrade(
    release: &str,
    chart: &str,
    namespace: &str,
    kube_context: Option<&str>,
    version: &ImageVersion,
) -> Result<serde_json::Value, String> {
    let tag = version.to_string();
    let argv = deploy::helm_upgrade_argv(release, chart, namespace, kube_context, &tag)
        .map_err(|e| e.to_string())?;
    let (program, arguments) = argv.split_first().ok_or("empty helm command")?;
    let output = std::process::Command::new(program)
        .args(arguments)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}\n  help: install helm, or deploy this environment by GitOps"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    match deploy::classify_helm_exit(output.status.code(), &stderr) {
        HelmOutcome::Success => Ok(json!({ "helm": argv, "outcome": "success" })),
        other => Err(format!(
            "helm: {}",
            serde_json::to_string(&other).unwrap_or_default()
        )),
    }
}
