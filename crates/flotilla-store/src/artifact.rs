use jiff::Timestamp;
use serde::Serialize;

use crate::Id;

/// What kind of package a run published: core's vocabulary, stored as its text.
pub use flotilla_core::ArtifactKind;

/// Something a run published: a package or image, where to, and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Artifact {
    pub id: Id,
    pub run_id: Id,
    pub kind: ArtifactKind,
    pub name: String,
    pub version: String,
    pub digest: String,
    /// Where it was published (registry, index URL).
    pub target: String,
    pub created_at: Timestamp,
}

/// What [`Store::record_artifact`](crate::Store::record_artifact) records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArtifact {
    pub run_id: Id,
    pub kind: ArtifactKind,
    pub name: String,
    pub version: String,
    pub digest: String,
    pub target: String,
}

/// Result of recording an artifact: publishing is retried on resume, so the same
/// (kind, name, version, target, digest) may be recorded twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactRecord {
    New(Artifact),
    /// Already recorded, possibly by another run; this is the stored record.
    Existing(Artifact),
}

impl ArtifactRecord {
    pub fn artifact(&self) -> &Artifact {
        match self {
            Self::New(artifact) | Self::Existing(artifact) => artifact,
        }
    }
}
