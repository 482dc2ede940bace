use std::path::{Path, PathBuf};

use crate::Digest;
use crate::npm::PackageName;

/// A packed npm tarball and what a registry records about it.
#[derive(Debug, Clone)]
pub struct NpmPackage {
    pub(crate) name: PackageName,
    pub(crate) version: semver::Version,
    pub(crate) tarball: PathBuf,
    pub(crate) integrity: String,
    pub(crate) shasum: String,
    pub(crate) digest: Digest,
    pub(crate) size: u64,
    pub(crate) manifest: serde_json::Value,
}

impl NpmPackage {
    pub fn name(&self) -> &PackageName {
        &self.name
    }

    pub fn version(&self) -> &semver::Version {
        &self.version
    }

    /// The `.tgz` file.
    pub fn tarball(&self) -> &Path {
        &self.tarball
    }

    /// Subresource integrity of the tarball: `sha512-<base64>`, npm's `dist.integrity`.
    pub fn integrity(&self) -> &str {
        &self.integrity
    }

    /// SHA-1 of the tarball in hex, npm's `dist.shasum`.
    pub fn shasum(&self) -> &str {
        &self.shasum
    }

    /// SHA-256 of the tarball, the digest flotilla records.
    pub fn digest(&self) -> Digest {
        self.digest
    }

    /// Size of the tarball in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The `package.json` inside the tarball, with `name` and `version` as packed.
    pub fn manifest(&self) -> &serde_json::Value {
        &self.manifest
    }
}
