use serde::{Deserialize, Serialize};

use crate::{Digest, Outcome};

/// What publishing a chart to a chart repository directory reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartPublished {
    /// The chart's `name` from `Chart.yaml`.
    pub name: String,
    /// The chart version (`SemVer`).
    pub version: String,
    /// SHA-256 of the `.tgz`, as the index's `digest` records it.
    pub digest: Digest,
    /// The `.tgz` in the repository directory.
    pub location: String,
    pub outcome: Outcome,
}
