//! An image tag arrived: the policy decides which environments take it, and each decision
//! becomes a recorded deployment, carried out at once or waiting for an approval.

use std::collections::BTreeMap;
use std::sync::Arc;

use flotilla_core::Help;
use flotilla_core::deploy::{self, Decision, DeployOptions, DeploymentTrigger, ImagePushed};
use flotilla_core::plan::Step;
use flotilla_store::{Deployment, DeploymentStatus, EventStatus, NewDeployment, Train};

use crate::cd::cd_context::CdContext;
use crate::cd::deployment_executor::DeploymentExecutor;
use crate::cd::event_outcome::EventOutcome;
use crate::cd::provenance::Provenance;
use crate::engine_error::EngineError;
use crate::steps::published::Published;
use crate::steps::step_error::{StepError, StepErrorKind};

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
                    // A failed one is tried again as a new deployment (its failure stays in
                    // the history): that is what `resume` of the train that published asks.
                    if let Some(earlier) = earlier.filter(|d| d.status != DeploymentStatus::Failed)
                    {
                        ids.push(earlier.id.to_string());
                        if matches!(
                            earlier.status,
                            DeploymentStatus::Running | DeploymentStatus::Approved
                        ) {
                            let done = executor.execute(&earlier, None).await?;
                            failed |= done.status == DeploymentStatus::Failed;
                            notes.push(format!("{} (resumed)", outcome_note(&done)));
                        } else {
                            notes.push(format!("{environment}: already {}", earlier.status));
                        }
                        continue;
                    }
                    // A version waiting for approval gives way to a newer one only: an older
                    // one arriving later (a slow event, a poll) must not replace it.
                    if needs_approval
                        && let Some(waiting) = store
                            .pending_deployments()
                            .await?
                            .into_iter()
                            .filter(|d| {
                                d.service == matched.service && d.environment == environment
                            })
                            .find(|d| {
                                deploy::classify_tag(&d.version).is_some_and(|waiting| {
                                    waiting.deploy_order(&matched.version).is_ge()
                                })
                            })
                    {
                        notes.push(format!(
                            "{environment}: skipped, {} is waiting for approval (deployment {})",
                            waiting.version, waiting.id
                        ));
                        continue;
                    }
                    // A digest the environment refuses is not put before an approver: it is
                    // recorded and refused at once, with the reason.
                    let needs_approval = needs_approval
                        && Provenance::new(self.cd)
                            .refusal(&environment, digest)
                            .await?
                            .is_none();
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
                        notes.push(outcome_note(&done));
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
    /// does: continuous deployment starts as it would from a registry's notification.
    /// `server_pushes` extends this to images pushed to registry servers (when no
    /// `flotilla serve` receives their notifications).
    ///
    /// Runs before the publish step is recorded succeeded: a deployment that fails (or cannot
    /// be recorded) fails the step, so the run fails and `resume` tries it again; deployments
    /// already done by an earlier attempt of the step are found, not repeated.
    pub(crate) async fn after_publish(
        &self,
        step: &Step,
        artifacts: &[Published],
        train: &Train,
        server_pushes: bool,
    ) -> Result<(), StepError> {
        let Step::PublishImage {
            registry,
            name,
            tags,
            ..
        } = step
        else {
            return Ok(());
        };
        if self.cd.workspace.fleet.environments.is_empty()
            || !(server_pushes
                || crate::steps::publish_target::is_local(self.cd.workspace, registry))
        {
            return Ok(());
        }
        let Some(digest) = artifacts.first().map(|a| a.digest.clone()) else {
            return Ok(());
        };
        let trigger = DeploymentTrigger::Published {
            train: train.id.to_string(),
        };
        let mut failures = Vec::new();
        for tag in tags.iter().filter(|t| *t != "latest") {
            let pushed = ImagePushed {
                image: name.clone(),
                tag: tag.to_string(),
                digest: digest.to_string(),
            };
            let failure = match self.deploy(&pushed, &trigger).await {
                Ok(outcome) if outcome.status == EventStatus::Failed => Some(outcome.detail),
                Ok(outcome) => {
                    tracing::info!(detail = %outcome.detail, "continuous deployment");
                    None
                }
                Err(err) => Some(format!("{name}:{tag}: {}", err.with_help())),
            };
            failures.extend(failure);
        }
        if failures.is_empty() {
            return Ok(());
        }
        let detail = failures.join("; ");
        Err(StepError::from(StepErrorKind::Deployment {
            detail: self.cd.workspace.redactor.redact(&detail).into_owned(),
        })
        .with_help(
            "see `flotilla deploy history SERVICE`; once the cause is fixed, \
                 `flotilla release resume` deploys it again",
        ))
    }
}

/// `ENVIRONMENT: STATUS`, and why, for a deployment carried out.
fn outcome_note(done: &Deployment) -> String {
    match &done.error {
        Some(error) => format!("{}: {}: {error}", done.environment, done.status),
        None => format!("{}: {}", done.environment, done.status),
    }
}
