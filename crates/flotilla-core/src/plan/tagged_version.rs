//! A version as a repository's history holds it: the tag, spelled as it is, and what it reads as.

use serde::{Deserialize, Serialize};

use crate::version::Version;

/// A version tag of a repository, in whatever spelling it was written (`1.12.0`, `v1.13`,
/// `2.0.dev249`), with the version it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaggedVersion {
    pub tag: String,
    pub version: Version,
}
