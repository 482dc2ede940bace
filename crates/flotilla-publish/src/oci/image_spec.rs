use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::atomic_file::{AtomicFile, write_atomic};
use crate::hashing_writer::HashingWriter;
use crate::oci::descriptor::Descriptor;
use crate::oci::{
    BuiltImage, BuiltLayer, CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPE, MANIFEST_MEDIA_TYPE,
};
use crate::reproducible_tar::{ReproducibleTar, gzip};
use crate::source_tree::SourceTree;
use crate::timestamp::rfc3339;
use crate::{Digest, PublishError, Result};

/// What an image is made of. Building the same spec over the same files gives byte-identical
/// blobs, config and manifest, hence the same digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// Directories whose content becomes one layer each, base first; paths inside a directory
    /// become paths from the image root.
    pub layers: Vec<PathBuf>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// Environment variables, rendered `KEY=VALUE` in key order.
    pub env: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub working_dir: Option<String>,
    /// `amd64` unless set.
    pub architecture: String,
    /// `linux` unless set.
    pub os: String,
    /// Seconds since 1970, used for every file mtime and every `created` field, as
    /// `SOURCE_DATE_EPOCH` is.
    pub source_date_epoch: u64,
}

impl Default for ImageSpec {
    fn default() -> Self {
        Self {
            layers: Vec::new(),
            entrypoint: Vec::new(),
            cmd: Vec::new(),
            env: BTreeMap::new(),
            labels: BTreeMap::new(),
            working_dir: None,
            architecture: "amd64".to_owned(),
            os: "linux".to_owned(),
            source_date_epoch: 0,
        }
    }
}

#[derive(Serialize)]
struct ConfigJson<'a> {
    created: &'a str,
    architecture: &'a str,
    os: &'a str,
    config: ContainerConfig<'a>,
    rootfs: RootFs,
    history: Vec<History<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ContainerConfig<'a> {
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    entrypoint: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    cmd: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    env: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    working_dir: Option<&'a str>,
}

#[derive(Serialize)]
struct RootFs {
    #[serde(rename = "type")]
    kind: &'static str,
    diff_ids: Vec<Digest>,
}

#[derive(Serialize)]
struct History<'a> {
    created: &'a str,
    created_by: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestJson {
    schema_version: u32,
    media_type: &'static str,
    config: Descriptor,
    layers: Vec<Descriptor>,
}

impl ImageSpec {
    /// Builds the image into `staging/blobs/sha256/`, streaming each layer to disk while it is
    /// hashed, and returns what a target needs to push it.
    pub fn build(&self, staging: &Path) -> Result<BuiltImage> {
        for key in self.env.keys() {
            if key.is_empty() || key.contains('=') || key.contains('\0') {
                return Err(PublishError::InvalidMetadata {
                    field: "image environment variable name",
                    value: key.clone(),
                    expected: "a non-empty name without `=`",
                });
            }
        }
        let created = rfc3339(self.source_date_epoch)?;
        let blob_dir = staging.join("blobs").join("sha256");
        fs::create_dir_all(&blob_dir)
            .map_err(|e| PublishError::io("create directory", &blob_dir, e))?;

        let layers = self
            .layers
            .iter()
            .map(|dir| build_layer(dir, &blob_dir, self.source_date_epoch))
            .collect::<Result<Vec<_>>>()?;

        let count = layers.len();
        let config = ConfigJson {
            created: &created,
            architecture: &self.architecture,
            os: &self.os,
            config: ContainerConfig {
                entrypoint: &self.entrypoint,
                cmd: &self.cmd,
                env: self.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
                labels: &self.labels,
                working_dir: self.working_dir.as_deref(),
            },
            rootfs: RootFs {
                kind: "layers",
                diff_ids: layers.iter().map(|l| l.diff_id).collect(),
            },
            history: (1..=count)
                .map(|n| History {
                    created: &created,
                    created_by: format!("flotilla: layer {n} of {count}"),
                })
                .collect(),
        };
        let config = to_json(&config, "image config")?;
        let config_digest = store_blob(&blob_dir, &config)?;

        let manifest = ManifestJson {
            schema_version: 2,
            media_type: MANIFEST_MEDIA_TYPE,
            config: Descriptor::new(CONFIG_MEDIA_TYPE, config_digest, config.len() as u64),
            layers: layers
                .iter()
                .map(|l| Descriptor::new(LAYER_MEDIA_TYPE, l.digest, l.size))
                .collect(),
        };
        let manifest = to_json(&manifest, "image manifest")?;
        let manifest_digest = store_blob(&blob_dir, &manifest)?;

        Ok(BuiltImage {
            manifest,
            manifest_digest,
            config,
            config_digest,
            layers,
            blob_dir,
        })
    }
}

fn build_layer(dir: &Path, blob_dir: &Path, mtime: u64) -> Result<BuiltLayer> {
    // A layer made from a work tree must not ship the repository's history.
    let tree = SourceTree::scan(dir, &|rel, _| rel.split('/').next() != Some(".git"))?;
    let file = AtomicFile::new_in(blob_dir)?;
    let temp = file.temp_path().to_path_buf();
    // tar -> diff_id hash -> gzip -> blob hash -> file: one pass, nothing buffered whole.
    let mut tar = ReproducibleTar::new(
        HashingWriter::new(gzip(HashingWriter::new(file))),
        mtime,
        &temp,
    );
    for entry in tree.entries() {
        tar.append_entry(&entry.rel, entry)?;
    }
    let (gz, diff_id, _) = tar.finish()?.finish();
    let blob = gz
        .finish()
        .map_err(|e| PublishError::io("write layer", &temp, e))?;
    let (file, digest, size) = blob.finish();
    let path = blob_dir.join(digest.hex());
    file.commit(&path)?;
    Ok(BuiltLayer {
        digest,
        diff_id,
        size,
        path,
    })
}

fn store_blob(blob_dir: &Path, bytes: &[u8]) -> Result<Digest> {
    let digest = Digest::of_bytes(bytes);
    write_atomic(&blob_dir.join(digest.hex()), bytes)?;
    Ok(digest)
}

fn to_json<T: Serialize>(value: &T, what: &'static str) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| PublishError::serialize(what, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_inputs_give_the_same_digests_wherever_they_are() {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        for root in [one.path(), two.path()] {
            fs::create_dir_all(root.join("src/app")).unwrap();
            fs::write(root.join("src/app/main.py"), "print('hi')\n").unwrap();
        }
        let spec = |root: &Path| ImageSpec {
            layers: vec![root.join("src")],
            cmd: vec!["python".to_owned()],
            source_date_epoch: 1_700_000_000,
            ..ImageSpec::default()
        };
        let a = spec(one.path()).build(&one.path().join("stage")).unwrap();
        let b = spec(two.path()).build(&two.path().join("stage")).unwrap();
        assert_eq!(a.digest(), b.digest());
        assert_eq!(
            a.layers(),
            &[BuiltLayer {
                path: a.layers()[0].path.clone(),
                ..b.layers()[0].clone()
            }]
        );
        let later = ImageSpec {
            source_date_epoch: 1_700_000_001,
            ..spec(one.path())
        };
        assert_ne!(
            later.build(&one.path().join("stage")).unwrap().digest(),
            a.digest()
        );
    }

    #[test]
    fn refuses_an_environment_name_with_equals() {
        let dir = tempfile::tempdir().unwrap();
        let spec = ImageSpec {
            env: BTreeMap::from([("A=B".to_owned(), "c".to_owned())]),
            ..ImageSpec::default()
        };
        assert!(matches!(
            spec.build(dir.path()),
            Err(PublishError::InvalidMetadata { .. })
        ));
    }
}
