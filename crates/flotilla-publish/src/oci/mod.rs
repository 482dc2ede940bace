//! Daemonless, reproducible OCI images, the OCI image layout target and the registry target.
//!
//! [`ImageSpec::build`] turns directories into gzip layers, an image config and an image
//! manifest whose digests depend only on the inputs. [`OciLayoutTarget`] stores images in OCI
//! image layout directories that skopeo, umoci, podman and crane read. [`RegistryImageTarget`]
//! pushes them (and Helm charts) to an OCI distribution registry.

mod built_image;
#[cfg(test)]
mod built_image_tests;
mod credentials;
mod descriptor;
mod image_index;
mod image_name;
mod image_spec;
mod image_target;
mod oci_layout_target;
mod registry_auth;
mod registry_image_target;
mod tag;

pub use built_image::{BuiltImage, BuiltLayer};
pub use credentials::Credentials;
pub use image_name::ImageName;
pub use image_spec::ImageSpec;
pub use image_target::ImageTarget;
pub use oci_layout_target::OciLayoutTarget;
pub use registry_image_target::{DEFAULT_CHUNK_SIZE, RegistryImageTarget};
pub use tag::Tag;

/// Media type of the image manifests built here.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// Media type of the image configs built here.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
/// Media type of the layers built here.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// Annotation that names a tag in an image layout's `index.json`.
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";
