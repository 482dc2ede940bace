use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::oci::MANIFEST_MEDIA_TYPE;
use crate::oci::descriptor::Descriptor;
use crate::oci::image_index::ImageIndex;
use crate::{Digest, PublishError, Result};

/// An image built by [`crate::oci::ImageSpec::build`] or read from what another builder wrote
/// ([`BuiltImage::from_layout`]): its manifest and config in memory, its layers as blob files
/// named by digest, as in an OCI layout.
#[derive(Debug, Clone)]
pub struct BuiltImage {
    pub(crate) manifest: Vec<u8>,
    pub(crate) manifest_digest: Digest,
    pub(crate) config: Vec<u8>,
    pub(crate) config_digest: Digest,
    pub(crate) layers: Vec<BuiltLayer>,
    pub(crate) blob_dir: PathBuf,
}

/// One gzip layer blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltLayer {
    /// Digest of the compressed blob: its name in a registry or layout.
    pub digest: Digest,
    /// Digest of the uncompressed tar, as listed in the config's `rootfs.diff_ids`.
    pub diff_id: Digest,
    /// Size of the compressed blob in bytes.
    pub size: u64,
    /// The blob file.
    pub path: PathBuf,
}

impl BuiltImage {
    /// The manifest digest, which identifies the image (`skopeo inspect` reports it as
    /// `Digest`).
    pub fn digest(&self) -> Digest {
        self.manifest_digest
    }

    /// The manifest as pushed (media type [`crate::oci::MANIFEST_MEDIA_TYPE`]).
    pub fn manifest(&self) -> &[u8] {
        &self.manifest
    }

    /// The image config as pushed (media type [`crate::oci::CONFIG_MEDIA_TYPE`]).
    pub fn config(&self) -> &[u8] {
        &self.config
    }

    pub fn config_digest(&self) -> Digest {
        self.config_digest
    }

    /// Layers, base first.
    pub fn layers(&self) -> &[BuiltLayer] {
        &self.layers
    }

    /// The staging `blobs/sha256` directory that holds every blob of the image by hex digest.
    pub fn blob_dir(&self) -> &Path {
        &self.blob_dir
    }
}

/// The parts of an OCI image manifest a push needs.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestDoc {
    #[serde(default)]
    media_type: Option<String>,
    config: Descriptor,
    layers: Vec<Descriptor>,
}

/// The parts of an image config a push needs.
#[derive(Deserialize)]
struct ConfigDoc {
    rootfs: RootFsDoc,
    #[serde(default)]
    config: Option<ContainerConfigDoc>,
}

#[derive(Deserialize)]
struct RootFsDoc {
    diff_ids: Vec<Digest>,
}

#[derive(Deserialize)]
struct ContainerConfigDoc {
    #[serde(rename = "Labels", default)]
    labels: Option<BTreeMap<String, String>>,
}

impl BuiltImage {
    /// Reads the one image of an OCI image layout another tool wrote (`buildah bud -t
    /// oci:DIR`, `docker buildx build --output type=oci,tar=false,dest=DIR`, kaniko's
    /// `--oci-layout-path`), checking every blob against its digest so that what is pushed is
    /// exactly what the builder made.
    pub fn from_layout(dir: &Path) -> Result<Self> {
        let index_path = dir.join("index.json");
        if !index_path.is_file() {
            return Err(foreign(
                dir,
                "it holds no `index.json`, so it is not an OCI image layout".to_owned(),
            ));
        }
        let index = ImageIndex::load(&index_path)?;
        let descriptor = match index.manifests() {
            [one] => one,
            [] => return Err(foreign(dir, "its `index.json` lists no image".to_owned())),
            several => {
                // The same image under several tags is still one image.
                let first = &several[0];
                if several.iter().any(|d| d.digest != first.digest) {
                    return Err(foreign(
                        dir,
                        format!("its `index.json` lists {} different images", several.len()),
                    ));
                }
                first
            }
        };
        let blob_dir = dir.join("blobs").join("sha256");
        let manifest_path = blob_dir.join(descriptor.digest.hex());
        let manifest =
            fs::read(&manifest_path).map_err(|e| PublishError::io("read", &manifest_path, e))?;
        Self::from_manifest(manifest, blob_dir)
            .and_then(|image| image.checked_against(descriptor.digest, &manifest_path))
    }

    /// The image `manifest` describes, its config and layers read from `blob_dir` (files named
    /// by hex digest) and checked against their digests and sizes.
    pub fn from_manifest(manifest: Vec<u8>, blob_dir: PathBuf) -> Result<Self> {
        let manifest_digest = Digest::of_bytes(&manifest);
        let doc: ManifestDoc = serde_json::from_slice(&manifest).map_err(|e| {
            foreign(
                &blob_dir,
                format!("manifest {manifest_digest} is not an OCI image manifest ({e})"),
            )
        })?;
        if let Some(media_type) = doc.media_type.as_deref()
            && media_type != MANIFEST_MEDIA_TYPE
        {
            return Err(foreign(
                &blob_dir,
                format!(
                    "manifest {manifest_digest} is a `{media_type}`, not `{MANIFEST_MEDIA_TYPE}`"
                ),
            ));
        }
        let config_path = blob_dir.join(doc.config.digest.hex());
        let config =
            fs::read(&config_path).map_err(|e| PublishError::io("read", &config_path, e))?;
        if Digest::of_bytes(&config) != doc.config.digest {
            return Err(changed(
                &config_path,
                doc.config.digest,
                Digest::of_bytes(&config),
            ));
        }
        let config_doc: ConfigDoc = serde_json::from_slice(&config)
            .map_err(|e| PublishError::corrupt_json(&config_path, &e))?;
        if config_doc.rootfs.diff_ids.len() != doc.layers.len() {
            return Err(foreign(
                &blob_dir,
                format!(
                    "manifest {manifest_digest} lists {} layers but its config {}",
                    doc.layers.len(),
                    config_doc.rootfs.diff_ids.len()
                ),
            ));
        }
        let layers = doc
            .layers
            .iter()
            .zip(&config_doc.rootfs.diff_ids)
            .map(|(layer, &diff_id)| {
                let path = blob_dir.join(layer.digest.hex());
                let (actual, size) = crate::file_digest::file_digest(&path)?;
                if actual != layer.digest || size != layer.size {
                    return Err(changed(&path, layer.digest, actual));
                }
                Ok(BuiltLayer {
                    digest: layer.digest,
                    diff_id,
                    size,
                    path,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            manifest,
            manifest_digest,
            config_digest: doc.config.digest,
            config,
            layers,
            blob_dir,
        })
    }

    /// The labels of the image config (`config.Labels`).
    pub fn labels(&self) -> BTreeMap<String, String> {
        serde_json::from_slice::<ConfigDoc>(&self.config)
            .ok()
            .and_then(|c| c.config)
            .and_then(|c| c.labels)
            .unwrap_or_default()
    }

    fn checked_against(self, expected: Digest, path: &Path) -> Result<Self> {
        if self.manifest_digest == expected {
            Ok(self)
        } else {
            Err(changed(path, expected, self.manifest_digest))
        }
    }
}

fn foreign(path: &Path, problem: String) -> PublishError {
    PublishError::ForeignImage {
        path: path.to_owned(),
        problem,
    }
}

fn changed(path: &Path, expected: Digest, actual: Digest) -> PublishError {
    PublishError::ChangedSinceBuild {
        path: path.to_owned(),
        expected,
        actual,
    }
}
