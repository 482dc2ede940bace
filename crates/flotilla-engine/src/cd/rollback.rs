use flotilla_core::deploy::DeploymentTrigger;
use flotilla_store::{Deployment, NewDeployment};

use crate::cd::cd_context::CdContext;
use crate::cd::deployment_executor::DeploymentExecutor;
use crate::engine_error::EngineError;

/// Going back to the version that ran before the current one.
pub(crate) struct Rollback<'a> {
    cd: CdContext<'a>,
}

impl<'a> Rollback<'a> {
    pub(crate) fn new(cd: CdContext<'a>) -> Self {
        Self { cd }
    }

    /// Deploys again the version that ran before the current one. A rollback is a human's
    /// explicit decision, so it needs no further approval.
    pub(crate) async fn roll_back(
        &self,
        service: &str,
        environment: &str,
        by: &str,
    ) -> Result<Deployment, EngineError> {
        let store = &self.cd.workspace.store;
        if self.cd.environment(environment).is_none() {
            return Err(EngineError::Other(format!(
                "environment {environment} is not in the manifest"
            )));
        }
        let previous = store
            .previous_successful(service, environment)
            .await?
            .ok_or_else(|| EngineError::NothingToRollBackTo {
                service: service.to_owned(),
                environment: environment.to_owned(),
            })?;
        let trigger = DeploymentTrigger::Rollback { by: by.to_owned() };
        let deployment = store
            .create_deployment(&NewDeployment {
                service: service.to_owned(),
                environment: environment.to_owned(),
                version: previous.version.clone(),
                image: previous.image.clone(),
                digest: previous.digest.clone(),
                trigger: trigger.to_string(),
                requested_by: by.to_owned(),
                needs_approval: false,
                expires_at: None,
            })
            .await?;
        DeploymentExecutor::new(self.cd)
            .execute(&deployment, Some(by))
            .await
    }
}
