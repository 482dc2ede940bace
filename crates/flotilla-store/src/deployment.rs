use jiff::Timestamp;
use serde::Serialize;

use crate::Id;
use crate::text_enum::text_enum;

text_enum! {
    /// Where a deployment is in its life.
    ///
    /// `pending` → `approved` | `rejected` | `expired` | `superseded`;
    /// `approved` → `running` | `superseded`; `running` → `succeeded` | `failed` | `skipped`.
    /// The others are final.
    pub enum DeploymentStatus {
        /// Waiting for someone to approve it (a protected environment).
        Pending => "pending",
        /// Approved by a person, or by policy when the environment needs no approval.
        Approved => "approved",
        Rejected => "rejected",
        /// Nobody decided before its expiry.
        Expired => "expired",
        /// Recorded before the deployer's effect: after a crash it may or may not have happened.
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        /// The deployer found nothing to change (the version was already there).
        Skipped => "skipped",
        /// A newer version for the same service and environment arrived before it started.
        Superseded => "superseded",
    }
}

impl DeploymentStatus {
    /// Whether the deployer's effect may end in this status
    /// ([`DeploymentStore::deployment_finished`](crate::DeploymentStore::deployment_finished)).
    pub fn is_outcome(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Skipped)
    }

    /// Whether a deployment in this status may move to `next` (the table above).
    pub fn can_become(self, next: Self) -> bool {
        match self {
            Self::Pending => matches!(
                next,
                Self::Approved | Self::Rejected | Self::Expired | Self::Superseded
            ),
            Self::Approved => matches!(next, Self::Running | Self::Superseded),
            Self::Running => next.is_outcome(),
            Self::Rejected
            | Self::Expired
            | Self::Succeeded
            | Self::Failed
            | Self::Skipped
            | Self::Superseded => false,
        }
    }
}

/// A request to put a version of a service in an environment, and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployment {
    pub id: Id,
    /// The repository whose image is deployed.
    pub service: String,
    pub environment: String,
    /// A canonical version or a dev-build tag.
    pub version: String,
    /// The image name, without tag or digest.
    pub image: String,
    pub digest: String,
    /// Why it was requested, for people: "registry push event 01H…", "rollback by alice".
    pub trigger: String,
    pub status: DeploymentStatus,
    pub requested_by: String,
    /// Who approved or rejected it; `None` when no approval was needed or nobody decided.
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    /// When a pending deployment stops waiting for approval.
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    /// When it reached a final status (including rejected, expired and superseded).
    pub finished_at: Option<Timestamp>,
    pub error: Option<String>,
    /// What the deployer did (commit id, values file, helm outcome...).
    pub detail: Option<serde_json::Value>,
}

/// What [`Store::create_deployment`](crate::Store::create_deployment) records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeployment {
    pub service: String,
    pub environment: String,
    pub version: String,
    pub image: String,
    pub digest: String,
    pub trigger: String,
    pub requested_by: String,
    /// `true` records it `pending` (a protected environment), `false` `approved`.
    pub needs_approval: bool,
    /// Only meaningful with `needs_approval`: after it, the deployment can no longer be approved.
    pub expires_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::DeploymentStatus::{
        self, Approved, Expired, Failed, Pending, Rejected, Running, Skipped, Succeeded, Superseded,
    };

    #[test]
    fn transitions() {
        let allowed = [
            (Pending, Approved),
            (Pending, Rejected),
            (Pending, Expired),
            (Pending, Superseded),
            (Approved, Running),
            (Approved, Superseded),
            (Running, Succeeded),
            (Running, Failed),
            (Running, Skipped),
        ];
        for &from in DeploymentStatus::ALL {
            for &to in DeploymentStatus::ALL {
                let expected = allowed.contains(&(from, to));
                assert_eq!(from.can_become(to), expected, "{from} -> {to}");
            }
        }
    }
}
