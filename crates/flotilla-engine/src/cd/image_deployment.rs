//! An image tag arrived: the policy decides which environments take it, and each decision
//! becomes a recorded deployment, carried out at once or waiting for an approval.

use std::collections::BTreeMap;
use std::sync::Arc;

use flotilla_core::deploy::{self, Decision, DeployOptions, DeploymentTrigger, ImagePushed};
use flotilla_core::plan::Step;
use flotilla_store::{DeploymentStatus, EventStatus, NewDeployment, Train};

use crate::cd::cd_context::CdContext;
use crate::cd::deployment_executor::DeploymentExecutor;
use crate::cd::event_outcome::EventOutcome;
use crate::engine_error::EngineError;
use crate::steps::published::Published;

/// Deploys pushed images where the environments' policies want them.
pub(crate) struct ImageDeployment<'a> {
    cd: CdContext<'a>,
}

impl<'a> ImageDeployment<'a> {
    pub(crate) fn new(cd: CdContext<'a>) -> Self {
        Self { cd }
    }

    /// Deploys `pushed` to every environment whose policy takes it.
    pub(crate) async fn deploy(
        &self,
        pushed: &ImagePushed,
        trigger: &DeploymentTrigger,
    ) -> Result<EventOutcome, EngineError> {
        let fleet = Arc::clone(&self.cd.workspace.fleet);
        let matched = match deploy::match_image(&fleet, pushed) {
            Ok(matched) => matched,
            Err(ignored) => return Ok(EventOutcome::ignored(ignored.to_string())),
        };
        let store = &self.cd.workspace.store;
        let executor = DeploymentExecutor::new(self.cd);
        let (repository, tag, digest) = (&pushed.image, &pushed.tag, &pushed.digest);
        let trigger_text = trigger.to_string();
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
                        .find(|d| d.trigger == trigger_text && d.version == *tag);
                    if let Some(earlier) = earlier {
                        ids.push(earlier.id.to_string());
                        if matches!(
                            earlier.status,
                            DeploymentStatus::Running | DeploymentStatus::Approved
                        ) {
                            let done = executor.execute(&earlier, None).await?;
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
                            version: tag.clone(),
                            image: repository.clone(),
                            digest: digest.clone(),
                            trigger: trigger_text.clone(),
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
                        self.cd.notify(&deployment).await;
                    } else {
                        let done = executor.execute(&deployment, None).await?;
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

    /// An image published to a local target has no registry to announce it, so the engine
    /// does: continuous deployment starts as it would from a registry's notification. A failed
    /// deployment is recorded and notified; it does not fail the release that published.
    /// `server_pushes` extends this to images pushed to registry servers (when no
    /// `flotilla serve` receives their notifications).
    pub(crate) async fn after_publish(
        &self,
        step: &Step,
        artifacts: &[Published],
        train: &Train,
        server_pushes: bool,
    ) {
        let Step::PublishImage {
            registry,
            name,
            tags,
            ..
        } = step
        else {
            return;
        };
        if self.cd.workspace.fleet.environments.is_empty()
            || !(server_pushes
                || crate::steps::publish_target::is_local(self.cd.workspace, registry))
        {
            return;
        }
        let Some(digest) = artifacts.first().map(|a| a.digest.clone()) else {
            return;
        };
        let trigger = DeploymentTrigger::Published {
            train: train.id.to_string(),
        };
        for tag in tags.iter().filter(|t| *t != "latest") {
            let pushed = ImagePushed {
                image: name.clone(),
                tag: tag.to_string(),
                digest: digest.to_string(),
            };
            match self.deploy(&pushed, &trigger).await {
                Ok(outcome) => tracing::info!(detail = %outcome.detail, "continuous deployment"),
                Err(err) => {
                    tracing::warn!(%err, image = %name, %tag, "continuous deployment failed");
                }
            }
        }
    }
}
