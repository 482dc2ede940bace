//! Deployments a killed process left `approved` or `running`: whether their effect happened is
//! unknown until someone looks at the deploy target.

use flotilla_core::deploy::DeploymentTrigger;
use flotilla_store::Deployment;

use crate::cd::cd_context::CdContext;
use crate::cd::deployment_executor::DeploymentExecutor;
use crate::engine_error::EngineError;

/// Finishes what crashed processes left unfinished.
pub(crate) struct Reconciliation<'a> {
    cd: CdContext<'a>,
}

impl<'a> Reconciliation<'a> {
    pub(crate) fn new(cd: CdContext<'a>) -> Self {
        Self { cd }
    }

    /// Carries out every unfinished deployment that no train owns, oldest first, and returns
    /// them as they ended. The deployers look before they act: one whose commit landed is
    /// recorded succeeded without a second commit, one whose commit did not is made now.
    ///
    /// A train's deployments are left to the train: they belong to its publish step, which
    /// `resume` runs again under the train's lease, so doing them here could race a live
    /// driver.
    pub(crate) async fn reconcile(&self) -> Result<Vec<Deployment>, EngineError> {
        let store = &self.cd.workspace.store;
        let executor = DeploymentExecutor::new(self.cd);
        let mut done = Vec::new();
        for deployment in store.unfinished_deployments().await? {
            if matches!(
                DeploymentTrigger::parse(&deployment.trigger),
                DeploymentTrigger::Published { .. }
            ) {
                continue;
            }
            done.push(
                executor
                    .execute(&deployment, deployment.decided_by.as_deref())
                    .await?,
            );
        }
        Ok(done)
    }
}
