//! An artifact a step published (or found already published), as the store records it.

use flotilla_core::Digest;
use flotilla_store::ArtifactKind;

#[derive(Debug, Clone)]
pub struct Published {
    pub kind: ArtifactKind,
    pub name: String,
    pub version: String,
    pub digest: Digest,
    pub target: String,
}
