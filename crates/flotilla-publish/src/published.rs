use serde::{Deserialize, Serialize};

/// The ecosystem of a published artifact: core's vocabulary, shared with the plan and the store.
pub use flotilla_core::ArtifactKind;

use crate::Digest;

/// What a target reports for one published artifact; the engine stores it with the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub kind: ArtifactKind,
    /// Image or chart repository name, normalised Python project name or npm package name.
    pub name: String,
    /// The version: for an image, the first tag it was pushed with.
    pub version: String,
    /// SHA-256 of what was published: the image manifest, the distribution file, the tarball.
    pub digest: Digest,
    /// Where it now lives, in a form the ecosystem's tools take: `oci:<dir>:<tag>` for an image
    /// layout, `<registry>/<name>:<tag>` for a registry image, `oci://<registry>/<name>:<tag>`
    /// for a chart, a file path for a local index, a URL for a package registry.
    pub location: String,
    /// Tags that point at it after the publish: image tags, or the npm dist-tag.
    pub tags: Vec<String>,
    pub outcome: Outcome,
}

/// Whether a publish changed the target: repeating a publish is success and reports
/// [`Outcome::Unchanged`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Written,
    Unchanged,
}
