//! Continuous deployment: an image tag arrives, the policy decides which environments take it,
//! and a deployer (GitOps write-back or Helm) applies it.

use crate::engine::Engine;
use crate::engine_error::EngineError;
use crate::event_processor::EventOutcome;

impl Engine {
    /// Deploys `repository:tag` where the environments' policies want it.
    pub async fn deploy_image(
        &self,
        repository: &str,
        tag: &str,
        digest: &str,
        trigger: &str,
    ) -> Result<EventOutcome, EngineError> {
        let _ = (digest, trigger);
        Ok(EventOutcome {
            status: flotilla_store::EventStatus::Ignored,
            detail: format!("{repository}:{tag}: continuous deployment is being wired"),
            trains: Vec::new(),
            deployments: Vec::new(),
        })
    }
}
