use flotilla_store::{DeploymentStatus, Id};
use jiff::Timestamp;
use serde::Serialize;

/// One deployment of the traced digest on its way through the environments: who decided it
/// (an approval or a rejection), or that no decision was needed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceApproval {
    pub deployment_id: Id,
    pub environment: String,
    pub version: String,
    pub status: DeploymentStatus,
    pub trigger: String,
    /// Who approved or rejected it; `None` when the environment needs no approval.
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl TraceApproval {
    pub fn of(deployment: &flotilla_store::Deployment) -> Self {
        Self {
            deployment_id: deployment.id.clone(),
            environment: deployment.environment.clone(),
            version: deployment.version.clone(),
            status: deployment.status,
            trigger: deployment.trigger.clone(),
            decided_by: deployment.decided_by.clone(),
            decided_at: deployment.decided_at,
            created_at: deployment.created_at,
        }
    }
}
