use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::{Digest, PublishError, Result};

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
    /// Reads back a package written by [`crate::chart::package`] (or `helm package`): its
    /// `<name>/Chart.yaml`, digest and size.
    pub fn read(path: &Path) -> Result<Self> {
        let corrupt = |problem: String| PublishError::CorruptTarget {
            path: path.to_path_buf(),
            problem,
        };
        let file = File::open(path).map_err(|e| PublishError::io("read", path, e))?;
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let entries = archive
            .entries()
            .map_err(|e| corrupt(format!("it is not a gzip tar archive ({e})")))?;
        for entry in entries {
            let mut entry =
                entry.map_err(|e| corrupt(format!("it is not a gzip tar archive ({e})")))?;
            let is_chart_yaml = entry.path().is_ok_and(|p| {
                p.components().count() == 2 && p.file_name() == Some("Chart.yaml".as_ref())
            });
            if !is_chart_yaml {
                continue;
            }
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .map_err(|e| corrupt(format!("its Chart.yaml cannot be read ({e})")))?;
            let Ok(Value::Object(metadata)) = serde_saphyr::from_str::<Value>(&text) else {
                return Err(corrupt("its Chart.yaml is not a YAML mapping".to_owned()));
            };
            let field = |key: &str| metadata.get(key).and_then(Value::as_str).map(str::to_owned);
            let (Some(name), Some(version)) = (field("name"), field("version")) else {
                return Err(corrupt(
                    "its Chart.yaml has no `name` or `version`".to_owned(),
                ));
            };
            let version = semver::Version::parse(&version).map_err(|e| {
                corrupt(format!("its chart version `{version}` is not SemVer ({e})"))
            })?;
            let (digest, size) = crate::file_digest::file_digest(path)?;
            return Ok(Self {
                name,
                version,
                app_version: field("appVersion").unwrap_or_default(),
                path: path.to_path_buf(),
                digest,
                size,
                metadata,
            });
        }
        Err(corrupt("it has no `<name>/Chart.yaml`".to_owned()))
    }

    /// `<name>-<version>.tgz`, the file name Helm gives the package.
    pub fn filename(&self) -> String {
        format!("{}-{}.tgz", self.name, self.version)
    }

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
