use std::path::{Path, PathBuf};

use crate::Digest;

/// An image built by [`crate::oci::ImageSpec::build`]: its manifest and config in memory, its
/// layers as blob files in the staging directory (named by digest, as in an OCI layout).
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
