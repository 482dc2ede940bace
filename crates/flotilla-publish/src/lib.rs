//! Artifact builders and the publish targets flotilla ships with.
//!
//! Four kinds of artifact are built here, reproducibly and without any external tool: OCI
//! images ([`oci`]), Python wheels and sdists ([`python`]), npm tarballs ([`npm`]) and Helm
//! chart packages ([`chart`]). Each kind has a target trait ([`oci::ImageTarget`],
//! [`python::PythonTarget`], [`npm::NpmTarget`]) whose local implementation writes a standard
//! on-disk format that the ecosystem's own tools read; a registry implementation fits the same
//! trait (charts go to a repository directory with [`chart::package_to_dir`]). Everything is
//! synchronous: the engine calls it from a blocking task.

mod atomic_file;
pub mod chart;
mod digest;
mod dir_lock;
mod error;
mod file_digest;
mod hashing_writer;
pub mod http;
pub mod npm;
pub mod oci;
mod published;
pub mod python;
mod reproducible_tar;
mod source_tree;
mod timestamp;

pub use digest::Digest;
pub use error::{PublishError, Result};
pub use published::{ArtifactKind, Outcome, Published};
