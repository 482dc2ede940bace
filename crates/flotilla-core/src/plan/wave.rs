use serde::{Deserialize, Serialize};

use crate::artifact::ArtifactRef;

/// Repositories that may run at the same time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Wave {
    pub index: usize,
    /// Names in run order.
    pub repos: Vec<String>,
    pub max_parallel: usize,
    /// Artifacts of earlier waves that must be visible in their registries before this wave
    /// starts (the original polled PyPI for `spaceone-core`: REFERENCE.md §A, root fan-out).
    pub gate: Vec<ArtifactRef>,
}
