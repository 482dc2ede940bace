//! Daemonless, reproducible OCI images and the OCI image layout target.
//!
//! [`ImageSpec::build`] turns directories into gzip layers, an image config and an image
//! manifest whose digests depend only on the inputs. [`OciLayoutTarget`] stores images in OCI
//! image layout directories that skopeo, umoci, podman and crane read.

mod built_image;
mod descriptor;
mod image_index;
mod image_name;
mod image_spec;
mod image_target;
mod oci_layout_target;
mod tag;

pub use built_image::{BuiltImage, BuiltLayer};
pub use image_name::ImageName;
pub use image_spec::ImageSpec;
pub use image_target::ImageTarget;
pub use oci_layout_target::OciLayoutTarget;
pub use tag::Tag;

/// Media type of the image manifests built here.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// Media type of the image configs built here.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
/// Media type of the layers built here.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// Annotation that names a tag in an image layout's `index.json`.
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";
