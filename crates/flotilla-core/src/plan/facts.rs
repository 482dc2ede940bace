//! What the world looks like, gathered by the engine before planning and passed in as data.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::artifact::ArtifactRef;
use crate::version::Version;

/// Facts about the fleet's repositories and the moment of planning.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Facts {
    pub repos: BTreeMap<String, RepoFacts>,
    /// Build stamp for master pushes, `YYYYMMDD.HHMMSS` in the fleet's time zone.
    pub timestamp: String,
}

/// What one repository's remote holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RepoFacts {
    /// The version in the version file on the default branch, if it holds one.
    pub master_version: Option<Version>,
    /// Branch names on the remote.
    pub branches: BTreeSet<String>,
    /// Tag names on the remote.
    pub tags: BTreeSet<String>,
    /// Release branches that exist without flotilla's tag and carry commits the default branch
    /// does not have: cutting the line there would release someone else's work.
    #[serde(default)]
    pub diverged_branches: BTreeSet<String>,
    /// Artifacts of an already tagged version (as [`crate::plan::tagged_artifacts`] names
    /// them) that their registries do not hold: the tag is there, the publish did not finish.
    /// The run publishes them, and its dependents wait for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unpublished: Vec<ArtifactRef>,
}
