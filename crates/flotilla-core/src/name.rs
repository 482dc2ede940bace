//! The names a plan refers to, each its own type so that a branch, a tag and a registry cannot
//! be swapped silently. Validation of ref syntax stays with git (`flotilla_git::RefName`): core
//! only keeps the roles apart.

mod branch_name;
mod dist_tag;
mod image_tag;
mod registry_name;
mod tag_name;

pub use branch_name::BranchName;
pub use dist_tag::DistTag;
pub use image_tag::ImageTag;
pub use registry_name::RegistryName;
pub use tag_name::TagName;
