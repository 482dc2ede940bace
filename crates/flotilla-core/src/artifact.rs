//! What flotilla publishes, in one vocabulary for every crate: the plan names artifacts with
//! [`ArtifactRef`], publishers report a [`Digest`], and the store records an [`ArtifactKind`].

mod artifact_kind;
mod artifact_ref;
mod digest;

pub use artifact_kind::{ArtifactKind, UnknownArtifactKind};
pub use artifact_ref::ArtifactRef;
pub use digest::{Digest, DigestError};
