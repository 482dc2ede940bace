use serde::{Deserialize, Serialize};

use crate::artifact::artifact_kind::ArtifactKind;
use crate::name::RegistryName;
use crate::version::PackageVersion;

/// A published artifact by name: what a later wave waits for in its registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRef {
    /// The repository that publishes it.
    pub repo: String,
    pub kind: ArtifactKind,
    pub registry: RegistryName,
    pub name: String,
    pub version: PackageVersion,
}
