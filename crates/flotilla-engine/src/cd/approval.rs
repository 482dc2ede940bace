use flotilla_store::Deployment;

use crate::cd::cd_context::CdContext;
use crate::cd::deployment_executor::DeploymentExecutor;
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
        let approved = store.decide_deployment(&pending.id, true, by).await?;
        DeploymentExecutor::new(self.cd)
            .execute(&approved, Some(by))
            .await
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
