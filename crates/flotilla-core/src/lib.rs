//! The pure core of flotilla: the version scheme, the fleet manifest and the release plan.
//!
//! Nothing in this crate touches the disk, the network or a subprocess: everything that decides
//! *what* flotilla will do lives here and is tested without side effects. The engine decides
//! *how*.

pub mod artifact;
pub mod deploy;
pub mod env_entry;
pub mod executor;
pub mod fleet;
pub mod github_settings;
pub mod help;
pub mod import;
pub mod manifest;
pub mod name;
pub mod plan;
pub mod registry_limits;
pub mod retry_policy;
pub mod template;
mod text_newtype;
pub mod version;
pub mod version_file;
pub mod workflows;
mod yaml;

pub use artifact::{ArtifactKind, ArtifactRef, Digest, DigestError, UnknownArtifactKind};
pub use env_entry::EnvEntry;
pub use help::Help;
pub use name::{BranchName, DistTag, ImageTag, RegistryName, TagName};
pub use registry_limits::RegistryLimits;
pub use retry_policy::RetryPolicy;
pub use template::{Template, TemplateError};
pub use version::{Channel, HotfixSemver, PackageVersion, Stage, Version, VersionError};
