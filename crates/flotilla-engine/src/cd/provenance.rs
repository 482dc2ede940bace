//! Where a deployment's digest came from: the train whose run published it, if any.

use flotilla_core::ArtifactKind;
use flotilla_core::deploy::DeploymentTrigger;
use flotilla_store::{Deployment, Train};

use crate::cd::cd_context::CdContext;
use crate::engine_error::EngineError;

/// Reads, from the store, which flotilla run published an image digest.
pub(crate) struct Provenance<'a> {
    cd: CdContext<'a>,
}

impl<'a> Provenance<'a> {
    pub(crate) fn new(cd: CdContext<'a>) -> Self {
        Self { cd }
    }

    /// Why `environment` refuses `digest`: it requires provenance and no flotilla run recorded
    /// an image with that digest. `None` when it may deploy.
    pub(crate) async fn refusal(
        &self,
        environment: &str,
        digest: &str,
    ) -> Result<Option<String>, EngineError> {
        let required = self
            .cd
            .environment(environment)
            .is_some_and(|e| e.require_provenance);
        if !required || self.published(digest).await? {
            return Ok(None);
        }
        let shown = if digest.is_empty() { "(none)" } else { digest };
        Ok(Some(format!(
            "refused: environment {environment} requires provenance and no flotilla run \
             published digest {shown}"
        )))
    }

    /// Whether a flotilla run recorded an image with this digest.
    async fn published(&self, digest: &str) -> Result<bool, EngineError> {
        if digest.is_empty() {
            return Ok(false);
        }
        Ok(self
            .cd
            .workspace
            .store
            .artifacts_with_digest(digest)
            .await?
            .iter()
            .any(|a| a.kind == ArtifactKind::Image))
    }

    /// The train that made `deployment`: the one that published it (its trigger), else the
    /// train of the first run that recorded its digest.
    pub(crate) async fn train_of(
        &self,
        deployment: &Deployment,
    ) -> Result<Option<Train>, EngineError> {
        let store = &self.cd.workspace.store;
        if let DeploymentTrigger::Published { train } =
            DeploymentTrigger::parse(&deployment.trigger)
        {
            return Ok(Some(store.train(&train).await?));
        }
        if deployment.digest.is_empty() {
            return Ok(None);
        }
        for artifact in store.artifacts_with_digest(&deployment.digest).await? {
            if let Some(train) = store.run(&artifact.run_id).await?.train_id {
                return Ok(Some(store.train(train.as_str()).await?));
            }
        }
        Ok(None)
    }
}
