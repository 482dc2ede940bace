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
                let (actual, size) = Digest::of_file(&path)?;
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fs;
    use std::path::Path;

    use super::*;
    use crate::oci::{ImageName, ImageSpec, ImageTarget, OciLayoutTarget, Tag};

    /// An image of one file, pushed as `app` under `tags` to a layout in `root`; returns the
    /// image and its layout directory.
    fn layout_with(root: &Path, content: &str, tags: &[&str]) -> (BuiltImage, PathBuf) {
        let files = root.join(format!("files-{content}"));
        fs::create_dir_all(&files).unwrap();
        fs::write(files.join("hello.txt"), content).unwrap();
        let image = ImageSpec {
            layers: vec![files],
            labels: BTreeMap::from([("kind".to_owned(), "test".to_owned())]),
            ..ImageSpec::default()
        }
        .build(&root.join(format!("staging-{content}")))
        .unwrap();
        let target = OciLayoutTarget::new(root.join("layouts"));
        let name = ImageName::new("app").unwrap();
        let tags: Vec<Tag> = tags.iter().map(|t| Tag::new(t).unwrap()).collect();
        target.push(&name, &image, &tags).unwrap();
        (image, target.layout_dir(&name))
    }

    #[test]
    fn reads_back_exactly_the_image_a_layout_holds() {
        let root = tempfile::tempdir().unwrap();
        let (built, layout) = layout_with(root.path(), "one", &["1.0.0", "1.0"]);
        let read = BuiltImage::from_layout(&layout).unwrap();
        assert_eq!(read.digest(), built.digest());
        assert_eq!(read.config_digest(), built.config_digest());
        assert_eq!(read.layers().len(), 1);
        assert_eq!(read.layers()[0].digest, built.layers()[0].digest);
        assert_eq!(read.layers()[0].diff_id, built.layers()[0].diff_id);
        assert_eq!(read.labels().get("kind").map(String::as_str), Some("test"));
    }

    #[test]
    fn refuses_a_layer_that_does_not_match_its_digest() {
        let root = tempfile::tempdir().unwrap();
        let (built, layout) = layout_with(root.path(), "one", &["1.0.0"]);
        let layer = layout
            .join("blobs/sha256")
            .join(built.layers()[0].digest.hex());
        fs::write(&layer, b"tampered").unwrap();
        let err = BuiltImage::from_layout(&layout).unwrap_err();
        assert!(
            matches!(&err, PublishError::ChangedSinceBuild { path, .. } if *path == layer),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_layout_of_several_images_or_none() {
        let root = tempfile::tempdir().unwrap();
        layout_with(root.path(), "one", &["1.0.0"]);
        let (_, layout) = layout_with(root.path(), "two", &["2.0.0"]);
        let err = BuiltImage::from_layout(&layout).unwrap_err();
        assert!(err.to_string().contains("2 different images"), "{err}");

        let empty = root.path().join("empty");
        fs::create_dir_all(&empty).unwrap();
        let err = BuiltImage::from_layout(&empty).unwrap_err();
        assert!(err.to_string().contains("no `index.json`"), "{err}");
    }

    #[test]
    fn refuses_a_docker_manifest_it_could_not_push_as_oci() {
        let root = tempfile::tempdir().unwrap();
        let (built, _) = layout_with(root.path(), "one", &["1.0.0"]);
        let mut manifest: serde_json::Value = serde_json::from_slice(built.manifest()).unwrap();
        manifest["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json".into();
        let bytes = serde_json::to_vec(&manifest).unwrap();
        let err = BuiltImage::from_manifest(bytes, built.blob_dir().to_owned()).unwrap_err();
        assert!(
            matches!(&err, PublishError::ForeignImage { problem, .. }
                if problem.contains("vnd.docker.distribution.manifest.v2+json")),
            "{err}"
        );
    }
}
