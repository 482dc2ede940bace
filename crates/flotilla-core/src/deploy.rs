//! The decisions of continuous deployment, without any I/O: what an image tag is, which
//! environments a pushed image goes to, the bytes of a values file after a GitOps write-back,
//! the `helm` command line and what its exit means, and the deploy commit message.
//!
//! The server and the engine gather the facts (the pushed image, what runs where, the values
//! file's text, helm's exit) and act on the answers given here.

mod deploy_commit;
mod dev_build;
mod helm;
mod image_match;
mod image_version;
mod policy;
mod version_constraint;
mod yaml_edit;

pub use crate::yaml::TextPos;
pub use deploy_commit::{DeployCommit, DeployTrigger};
pub use dev_build::DevBuild;
pub use helm::{HelmArgError, HelmOutcome, classify_helm_exit, helm_upgrade_argv};
pub use image_match::{ImageIgnored, ImagePushed, MatchedImage, match_image};
pub use image_version::{ImageVersion, classify_tag};
pub use policy::{Decision, DeployOptions, SkipReason, decide};
pub use version_constraint::{ConstraintError, VersionConstraint};
pub use yaml_edit::{YamlEditError, get_yaml_scalar, set_yaml_scalar};
