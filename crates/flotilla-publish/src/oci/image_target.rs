use crate::oci::{BuiltImage, ImageName, Tag};
use crate::{Digest, Published, Result};

/// Somewhere images are pushed to: an OCI image layout directory here, an OCI distribution
/// registry elsewhere.
///
/// Pushing is idempotent: a tag already naming the image is left alone. An immutable tag that
/// names another image is an error and nothing is changed; a mutable tag moves.
pub trait ImageTarget {
    /// Stores `image` as `name` and points every tag at it. The first tag is the version
    /// reported in [`Published::version`]; an empty list is an error.
    fn push(&self, name: &ImageName, image: &BuiltImage, tags: &[Tag]) -> Result<Published>;

    /// The tags of `name`, sorted; empty when the image was never pushed.
    fn tags(&self, name: &ImageName) -> Result<Vec<String>>;

    /// The manifest digest `tag` names, if the tag exists.
    fn digest(&self, name: &ImageName, tag: &str) -> Result<Option<Digest>>;
}
