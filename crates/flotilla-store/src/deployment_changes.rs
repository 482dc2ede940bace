use crate::Deployment;

/// Where the journal of deployment changes stands, and which (service, environment) pairs
/// changed after a point in it: what a reader keeping the fleet's view needs to read again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentChanges {
    /// The sequence number of the newest change (0 before the first).
    pub head: i64,
    /// How many artifacts are recorded: a new one can name the run (and train) that published
    /// a digest already deployed.
    pub artifacts: i64,
    /// The pairs changed after the point asked for, up to `head`, each once; `None` when none
    /// was asked for, or when the journal no longer reaches back that far (read everything).
    pub pairs: Option<Vec<(String, String)>>,
}

/// The deployments of one service in one environment that a view of the fleet shows.
#[derive(Debug, Clone, Default)]
pub struct PairDeployments {
    /// What runs there ([`DeploymentStore::current_deployment`](crate::DeploymentStore::current_deployment)).
    pub current: Option<Deployment>,
    /// The latest by creation, in any status.
    pub latest: Option<Deployment>,
    /// Those waiting for an approval, oldest first.
    pub pending: Vec<Deployment>,
}
