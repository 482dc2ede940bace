use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::atomic_file::write_atomic;
use crate::{PublishError, Result};

/// The registry document of one package: its dist-tags and, per version, the package manifest
/// with its `dist` (`integrity`, `shasum`, `tarball`). Fields this crate does not use are kept
/// as read.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Packument {
    name: String,
    #[serde(rename = "dist-tags", default)]
    dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    versions: BTreeMap<String, serde_json::Value>,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_json::Value>,
}

impl Packument {
    /// Reads `path`, or an empty packument for `name` when there is none.
    pub(crate) fn load(path: &Path, name: &str) -> Result<Self> {
        match fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| PublishError::corrupt_json(path, &e))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self {
                name: name.to_owned(),
                dist_tags: BTreeMap::new(),
                versions: BTreeMap::new(),
                extra: BTreeMap::new(),
            }),
            Err(e) => Err(PublishError::io("read", path, e)),
        }
    }

    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| PublishError::serialize("packument", &e))?;
        bytes.push(b'\n');
        write_atomic(path, &bytes)
    }

    /// The `dist.integrity` recorded for `version`, if it is published.
    pub(crate) fn integrity(&self, version: &str) -> Option<&str> {
        self.versions.get(version).map(|doc| {
            doc.pointer("/dist/integrity")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
        })
    }

    pub(crate) fn add_version(&mut self, version: &str, document: serde_json::Value) {
        self.versions.insert(version.to_owned(), document);
    }

    /// Versions in `SemVer` order; keys that do not parse (written by another tool) sort first.
    pub(crate) fn versions(&self) -> Vec<String> {
        let mut versions: Vec<String> = self.versions.keys().cloned().collect();
        versions.sort_by_cached_key(|v| semver::Version::parse(v).ok());
        versions
    }

    pub(crate) fn dist_tags(&self) -> &BTreeMap<String, String> {
        &self.dist_tags
    }

    /// Points `tag` at `version` unless it names a higher version; true if it names `version`
    /// afterwards.
    /// Removes dist-tag `tag`; whether it was there.
    pub(crate) fn remove_tag(&mut self, tag: &str) -> bool {
        self.dist_tags.remove(tag).is_some()
    }

    pub(crate) fn advance_tag(&mut self, tag: &str, version: &semver::Version) -> bool {
        let current = self
            .dist_tags
            .get(tag)
            .and_then(|v| semver::Version::parse(v).ok());
        match current {
            Some(current) if current > *version => false,
            _ => {
                self.dist_tags.insert(tag.to_owned(), version.to_string());
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> semver::Version {
        semver::Version::parse(s).unwrap()
    }

    #[test]
    fn tags_only_move_forward() {
        let mut p = Packument::load(Path::new("/nonexistent/p.json"), "p").unwrap();
        assert!(p.advance_tag("latest", &v("1.11.0")));
        assert!(!p.advance_tag("latest", &v("1.10.1")));
        assert_eq!(p.dist_tags()["latest"], "1.11.0");
        assert!(p.advance_tag("latest", &v("1.11.0")));
        assert!(p.advance_tag("latest", &v("1.12.0")));
        assert_eq!(p.dist_tags()["latest"], "1.12.0");
    }

    #[test]
    fn orders_versions_by_semver() {
        let mut p = Packument::load(Path::new("/nonexistent/p.json"), "p").unwrap();
        for version in ["1.10.0", "1.9.0", "1.10.0-rc.10", "1.10.0-rc.9"] {
            p.add_version(version, serde_json::json!({}));
        }
        assert_eq!(
            p.versions(),
            ["1.9.0", "1.10.0-rc.9", "1.10.0-rc.10", "1.10.0"]
        );
    }
}
