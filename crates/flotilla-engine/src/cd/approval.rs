use flotilla_store::Deployment;

use crate::cd::cd_context::CdContext;
use crate::cd::deployment_executor::DeploymentExecutor;
use crate::cd::provenance::Provenance;
use crate::engine::Engine;
use crate::engine_error::EngineError;

/// A person's answer to a deployment waiting in a protected environment.
pub(crate) struct Approval<'a> {
    cd: CdContext<'a>,
}

impl<'a> Approval<'a> {
    pub(crate) fn new(cd: CdContext<'a>) -> Self {
        Self { cd }
    }

    /// Approves a pending deployment and carries it out.
    pub(crate) async fn approve(&self, id: &str, by: &str) -> Result<Deployment, EngineError> {
        let store = &self.cd.workspace.store;
        let pending = store.deployment(id).await?;
        self.four_eyes(&pending, by).await?;
        let approved = store.decide_deployment(&pending.id, true, by).await?;
        DeploymentExecutor::new(self.cd)
            .execute(&approved, Some(by))
            .await
    }

    /// In a four-eyes environment, refuses `by` as the approver of a deployment made by a
    /// train `by` started.
    async fn four_eyes(&self, deployment: &Deployment, by: &str) -> Result<(), EngineError> {
        if !self
            .cd
            .environment(&deployment.environment)
            .is_some_and(|e| e.four_eyes)
        {
            return Ok(());
        }
        let Some(train) = Provenance::new(self.cd).train_of(deployment).await? else {
            return Ok(());
        };
        if Engine::started_by(&train).as_deref() == Some(by) {
            return Err(EngineError::FourEyes {
                approver: by.to_owned(),
                train: train.id.to_string(),
                environment: deployment.environment.clone(),
            });
        }
        Ok(())
    }

    /// Rejects a pending deployment.
    pub(crate) async fn reject(&self, id: &str, by: &str) -> Result<Deployment, EngineError> {
        let store = &self.cd.workspace.store;
        let pending = store.deployment(id).await?;
        let rejected = store.decide_deployment(&pending.id, false, by).await?;
        self.cd.notify(&rejected).await;
        Ok(rejected)
    }
}
