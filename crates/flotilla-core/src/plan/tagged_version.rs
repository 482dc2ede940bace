//! A version as a repository's history holds it: the tag, spelled as it is, and what it reads as.

use serde::{Deserialize, Serialize};

use crate::template::Template;
use crate::version::Version;

/// A version tag of a repository, in whatever spelling it was written (`1.12.0`, `v1.13`,
/// `2.0.dev249`), with the version it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaggedVersion {
    pub tag: String,
    pub version: Version,
}

impl TaggedVersion {
    /// Every tag in `tags` that names a version in any spelling ([`Version::from_any_tag`]),
    /// with that version, in tag order.
    pub fn all(
        tag_template: &Template,
        tags: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Vec<Self> {
        tags.into_iter()
            .filter_map(|t| {
                let tag = t.as_ref();
                Version::from_any_tag(tag_template, tag).map(|version| Self {
                    tag: tag.to_owned(),
                    version,
                })
            })
            .collect()
    }

    /// The highest version among `tagged`; of two spellings of it, the first in tag order.
    pub fn newest(tagged: &[Self]) -> Option<Self> {
        tagged
            .iter()
            .max_by(|a, b| a.version.cmp(&b.version).then_with(|| b.tag.cmp(&a.tag)))
            .cloned()
    }
}
