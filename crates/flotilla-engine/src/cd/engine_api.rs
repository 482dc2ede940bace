//! The engine's continuous-deployment methods, as the binary and the server call them: each
//! hands over to the type that does the work.

use flotilla_core::deploy::{DeploymentTrigger, ImagePushed};
use flotilla_store::{Deployment, Event, Train};

use crate::cd::approval::Approval;
use crate::cd::cd_context::CdContext;
use crate::cd::deployment_executor::DeploymentExecutor;
use crate::cd::event_outcome::EventOutcome;
use crate::cd::event_processor::EventProcessor;
use crate::cd::image_deployment::ImageDeployment;
use crate::cd::image_reference::ImageReference;
use crate::cd::poll_state::PollState;
use crate::cd::reconciliation::Reconciliation;
use crate::cd::registry_poller::RegistryPoller;
use crate::cd::rollback::Rollback;
use crate::engine::Engine;
use crate::engine_error::EngineError;
use crate::steps::published::Published;
use crate::steps::step_error::StepError;

impl Engine {
    /// Deploys `repository:tag` where the environments' policies want it. `trigger` is stored
    /// with each deployment (see [`DeploymentTrigger`] for the words it uses).
    pub async fn deploy_image(
        &self,
        repository: &str,
        tag: &str,
        digest: &str,
        trigger: &str,
    ) -> Result<EventOutcome, EngineError> {
        let pushed = ImagePushed {
            image: repository.to_owned(),
            tag: tag.to_owned(),
            digest: digest.to_owned(),
        };
        ImageDeployment::new(CdContext::of(self))
            .deploy(&pushed, &DeploymentTrigger::parse(trigger))
            .await
    }

    /// Deploys `reference` (`IMAGE:TAG`) as a person asks: a malformed reference or digest is
    /// refused (a user error), and only a tag the fleet's registry has is deployed, under the
    /// digest the registry gives it (which must be `digest` when one is given). Nothing is
    /// recorded when it is refused.
    pub async fn deploy_tag(
        &self,
        reference: &str,
        digest: &str,
        trigger: &str,
    ) -> Result<EventOutcome, EngineError> {
        let reference = ImageReference::parse(reference, digest)?;
        let workspace = self.workspace().clone();
        let asked = reference.clone();
        let digest = tokio::task::spawn_blocking(move || asked.verify(&workspace)).await??;
        self.deploy_image(&reference.image, &reference.tag, &digest, trigger)
            .await
    }

    /// Approves a pending deployment and carries it out.
    pub async fn approve(&self, id: &str, by: &str) -> Result<Deployment, EngineError> {
        Approval::new(CdContext::of(self)).approve(id, by).await
    }

    /// Rejects a pending deployment.
    pub async fn reject(&self, id: &str, by: &str) -> Result<Deployment, EngineError> {
        Approval::new(CdContext::of(self)).reject(id, by).await
    }

    /// Deploys again the version that ran before the current one, without approval.
    pub async fn rollback(
        &self,
        service: &str,
        environment: &str,
        by: &str,
    ) -> Result<Deployment, EngineError> {
        Rollback::new(CdContext::of(self))
            .roll_back(service, environment, by)
            .await
    }

    /// Applies an approved deployment with its environment's deployer and records the result.
    pub async fn execute_deployment(
        &self,
        deployment: &Deployment,
        approved_by: Option<&str>,
    ) -> Result<Deployment, EngineError> {
        DeploymentExecutor::new(CdContext::of(self))
            .execute(deployment, approved_by)
            .await
    }

    /// Finishes the deployments a killed process left `approved` or `running` (except a
    /// train's, which its resume redoes), looking at the deploy target first; returns them as
    /// they ended. `serve` calls it at start.
    pub async fn reconcile_deployments(&self) -> Result<Vec<Deployment>, EngineError> {
        Reconciliation::new(CdContext::of(self)).reconcile().await
    }

    /// Processes one stored event. The caller marks the event handled with the outcome, so a
    /// server that dies before that processes it again after restart; every flow it starts is
    /// idempotent, so that repeats nothing.
    pub async fn process_event(&self, event: &Event) -> Result<EventOutcome, EngineError> {
        EventProcessor::new(self).process(event).await
    }

    /// One polling round over every image registry server of the fleet.
    pub async fn poll_registries(&self, state: &mut PollState) -> Vec<EventOutcome> {
        RegistryPoller::new(CdContext::of(self)).poll(state).await
    }

    /// Deploys an image a step just published, where no registry will announce it; an error
    /// fails the step.
    pub(crate) async fn deploy_published(
        &self,
        step: &flotilla_core::plan::Step,
        artifacts: &[Published],
        train: &Train,
    ) -> Result<(), StepError> {
        ImageDeployment::new(CdContext::of(self))
            .after_publish(step, artifacts, train, self.deploy_server_pushes)
            .await
    }
}
