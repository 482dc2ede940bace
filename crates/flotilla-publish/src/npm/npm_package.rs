use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::npm::PackageName;
use crate::npm::tarball_hashes::TarballHashes;
use crate::{Digest, PublishError, Result};

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
    /// Reads a tarball `npm pack` made: its `package/package.json` must name `name` at
    /// `version` (`SemVer`), so that what is uploaded is the release's package and nothing
    /// else. `integrity`, `shasum` and the digest are computed from the tarball's bytes.
    pub fn read(tarball: &Path, name: &str, version: &str) -> Result<Self> {
        let name = PackageName::new(name)?;
        let version =
            semver::Version::parse(version).map_err(|e| PublishError::InvalidVersion {
                scheme: "SemVer",
                version: version.to_owned(),
                cause: e.to_string(),
            })?;
        let invalid = |problem: String| PublishError::InvalidSource {
            path: tarball.to_path_buf(),
            problem,
            hint: "publish the tarball `npm pack` made from the release's package.json; a \
                   `prepack` or `prepare` script must not change its name or version",
        };
        let manifest = packed_manifest(tarball)?
            .ok_or_else(|| invalid("it holds no `package/package.json`".to_owned()))?;
        let field = |key: &str| manifest.get(key).and_then(serde_json::Value::as_str);
        if field("name") != Some(name.as_str()) {
            return Err(invalid(format!(
                "its package.json names the package {:?}, not `{name}`",
                field("name").unwrap_or_default()
            )));
        }
        let packed_version = field("version").and_then(|v| semver::Version::parse(v).ok());
        if packed_version.as_ref() != Some(&version) {
            return Err(invalid(format!(
                "its package.json has the version {:?}, not `{version}`",
                field("version").unwrap_or_default()
            )));
        }
        let hashes = TarballHashes::of(tarball)?;
        Ok(Self {
            name,
            version,
            tarball: tarball.to_path_buf(),
            integrity: hashes.integrity(),
            shasum: hashes.shasum(),
            digest: hashes.sha256,
            size: hashes.size,
            manifest,
        })
    }

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

/// The JSON of `package/package.json` in a gzip tarball, or `None` when it has none.
fn packed_manifest(tarball: &Path) -> Result<Option<serde_json::Value>> {
    let corrupt = |problem: String| PublishError::CorruptTarget {
        path: tarball.to_path_buf(),
        problem,
    };
    let file = File::open(tarball).map_err(|e| PublishError::io("read", tarball, e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let entries = archive
        .entries()
        .map_err(|e| corrupt(format!("it is not a gzip tar archive ({e})")))?;
    for entry in entries {
        let mut entry =
            entry.map_err(|e| corrupt(format!("it is not a gzip tar archive ({e})")))?;
        if !entry
            .path()
            .is_ok_and(|p| p == Path::new("package/package.json"))
        {
            continue;
        }
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| corrupt(format!("its package.json cannot be read ({e})")))?;
        let manifest: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| corrupt(format!("its package.json is not JSON ({e})")))?;
        if !manifest.is_object() {
            return Err(corrupt("its package.json is not a JSON object".to_owned()));
        }
        return Ok(Some(manifest));
    }
    Ok(None)
}
