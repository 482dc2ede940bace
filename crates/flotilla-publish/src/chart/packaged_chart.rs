use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::Digest;

/// A chart packaged by [`crate::chart::package`]: the `.tgz` Helm installs, and what an index
/// or an OCI registry records about it.
#[derive(Debug, Clone)]
pub struct PackagedChart {
    pub(crate) name: String,
    pub(crate) version: semver::Version,
    pub(crate) app_version: String,
    pub(crate) path: PathBuf,
    pub(crate) digest: Digest,
    pub(crate) size: u64,
    pub(crate) metadata: Map<String, Value>,
}

impl PackagedChart {
    /// The chart's `name` from `Chart.yaml`.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &semver::Version {
        &self.version
    }

    pub fn app_version(&self) -> &str {
        &self.app_version
    }

    /// The `.tgz` file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SHA-256 of the `.tgz`: the `digest` of its index entry, its OCI layer digest.
    pub fn digest(&self) -> Digest {
        self.digest
    }

    /// Size of the `.tgz` in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The packaged `Chart.yaml` as a JSON object, as Helm stores it in an OCI config and an
    /// index entry.
    pub fn metadata(&self) -> &Map<String, Value> {
        &self.metadata
    }

    /// The OCI tag Helm gives this version: `+` is not allowed in tags, Helm writes `_`.
    pub fn oci_tag(&self) -> String {
        self.version.to_string().replace('+', "_")
    }
}
