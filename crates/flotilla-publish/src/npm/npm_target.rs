use std::collections::BTreeMap;

use crate::npm::NpmPackage;
use crate::{PublishError, Published, Result};

/// Somewhere npm packages are published to: a directory of tarballs and packuments here, an
/// npm registry elsewhere.
///
/// Publishing a version again with the same tarball is success ([`crate::Outcome::Unchanged`]);
/// with a different tarball it is an error and nothing changes.
pub trait NpmTarget {
    /// Publishes `pkg` and points `dist_tag` at it, unless the tag already names a higher
    /// version: an older line's hotfix never takes `latest` from a newer release. The caller
    /// chooses the tag: `latest` for finals and hotfixes, a name such as `rc` or `dev` for
    /// pre-releases (a pre-release never takes `latest` from a release, but the first version
    /// of a package is `latest` whatever it is, as registries make it). A final that takes
    /// `latest` removes the pre-release tags it supersedes (see [`superseded_tags`]).
    fn publish(&self, pkg: &NpmPackage, dist_tag: &str) -> Result<Published>;

    /// The published versions of `name`, in `SemVer` order; empty when it was never published.
    fn versions(&self, name: &str) -> Result<Vec<String>>;

    /// The dist-tags of `name` and the versions they name.
    fn dist_tags(&self, name: &str) -> Result<BTreeMap<String, String>>;
}

/// The pre-release dist-tags (`rc`, `dev`, …) that a final `version` on `latest` supersedes:
/// those naming a lower version, such as `rc` on `1.0.0-rc.2` once `1.0.0` is out. A tag of a
/// newer line (`dev` on `1.1.0-dev.3`) stays.
pub(crate) fn superseded_tags(
    tags: &BTreeMap<String, String>,
    version: &semver::Version,
) -> Vec<String> {
    if !version.pre.is_empty() {
        return Vec::new();
    }
    tags.iter()
        .filter(|(tag, _)| tag.as_str() != "latest")
        .filter(|(_, named)| semver::Version::parse(named).is_ok_and(|named| named < *version))
        .map(|(tag, _)| tag.clone())
        .collect()
}

/// Checks a dist-tag as npm does (a tag that parses as a version range would be ambiguous on
/// the command line), and that a pre-release does not ask for `latest`.
pub(crate) fn check_dist_tag(pkg: &NpmPackage, dist_tag: &str) -> Result<()> {
    let valid = !dist_tag.is_empty()
        && dist_tag.len() <= 64
        && dist_tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        && semver::VersionReq::parse(dist_tag).is_err();
    if !valid {
        return Err(PublishError::InvalidName {
            kind: "npm dist-tag",
            value: dist_tag.to_owned(),
            expected: "letters, digits, `-`, `.` or `_` that do not read as a version range \
                       (for example `latest`, `rc`, `dev`)",
        });
    }
    if dist_tag == "latest" && !pkg.version.pre.is_empty() {
        return Err(PublishError::PrereleaseAsLatest {
            name: pkg.name.to_string(),
            version: pkg.version.to_string(),
        });
    }
    Ok(())
}
