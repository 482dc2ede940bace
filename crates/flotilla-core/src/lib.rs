//! The pure core of flotilla: the version scheme, the fleet manifest and the release plan.
//!
//! Nothing in this crate touches the disk, the network or a subprocess: everything that decides
//! *what* flotilla will do lives here and is tested without side effects. The engine decides
//! *how*.

pub mod deploy;
pub mod fleet;
pub mod manifest;
pub mod plan;
pub mod retry_policy;
pub mod template;
pub mod version;
mod yaml;

pub use retry_policy::RetryPolicy;
pub use template::{Template, TemplateError};
pub use version::{Channel, HotfixSemver, Stage, Version, VersionError};
