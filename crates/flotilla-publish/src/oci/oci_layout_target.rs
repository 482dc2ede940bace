use std::fs;
use std::path::{Path, PathBuf};

use crate::atomic_file::{copy_verified, write_atomic};
use crate::dir_lock::DirLock;
use crate::oci::descriptor::Descriptor;
use crate::oci::image_index::ImageIndex;
use crate::oci::{BuiltImage, ImageName, ImageTarget, MANIFEST_MEDIA_TYPE, Tag};
use crate::{ArtifactKind, Digest, Outcome, PublishError, Published, Result};

const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// OCI image layout directories under a root, one per image name: `<root>/<name>/` holds
/// `oci-layout`, `index.json` and `blobs/sha256/`. skopeo reads an image as
/// `oci:<root>/<name>:<tag>`.
#[derive(Debug, Clone)]
pub struct OciLayoutTarget {
    root: PathBuf,
}

impl OciLayoutTarget {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The layout directory of an image.
    pub fn layout_dir(&self, name: &ImageName) -> PathBuf {
        self.root.join(name.as_str())
    }

    fn location(&self, name: &ImageName, tag: &str) -> String {
        format!("oci:{}:{tag}", self.layout_dir(name).display())
    }
}

impl ImageTarget for OciLayoutTarget {
    fn push(&self, name: &ImageName, image: &BuiltImage, tags: &[Tag]) -> Result<Published> {
        let first = tags.first().ok_or_else(|| PublishError::NoTags {
            image: name.to_string(),
        })?;
        let dir = self.layout_dir(name);
        let _lock = DirLock::acquire(&dir)?;
        let index_path = dir.join("index.json");
        let mut index = ImageIndex::load(&index_path)?;
        let digest = image.digest();

        // Every tag is checked before anything is written, so a refused push changes nothing.
        let mut moves = Vec::new();
        for tag in tags {
            match index.digest_of(tag.name()) {
                Some(existing) if existing == digest => {}
                Some(existing) if !tag.is_mutable() => {
                    return Err(PublishError::TagConflict {
                        image: format!("oci:{}", dir.display()),
                        tag: tag.name().to_owned(),
                        existing,
                        new: digest,
                    });
                }
                _ => moves.push(tag.name()),
            }
        }

        // Blobs go in before the index names them: a crash leaves unreferenced blobs, never a
        // tag without its content.
        let layout_file = dir.join("oci-layout");
        if !layout_file.exists() {
            write_atomic(&layout_file, OCI_LAYOUT)?;
        }
        let blob_dir = dir.join("blobs").join("sha256");
        for layer in image.layers() {
            copy_blob(&layer.path, layer.digest, &blob_dir)?;
        }
        put_blob(image.config(), image.config_digest(), &blob_dir)?;
        put_blob(image.manifest(), digest, &blob_dir)?;

        if !moves.is_empty() {
            let descriptor =
                Descriptor::new(MANIFEST_MEDIA_TYPE, digest, image.manifest().len() as u64);
            for tag in &moves {
                index.point(tag, descriptor.clone());
            }
            index.save(&index_path)?;
        }

        Ok(Published {
            kind: ArtifactKind::Image,
            name: name.to_string(),
            version: first.name().to_owned(),
            digest,
            location: self.location(name, first.name()),
            tags: tags.iter().map(|t| t.name().to_owned()).collect(),
            outcome: if moves.is_empty() {
                Outcome::Unchanged
            } else {
                Outcome::Written
            },
        })
    }

    fn tags(&self, name: &ImageName) -> Result<Vec<String>> {
        Ok(ImageIndex::load(&self.layout_dir(name).join("index.json"))?.tags())
    }

    fn digest(&self, name: &ImageName, tag: &str) -> Result<Option<Digest>> {
        Ok(ImageIndex::load(&self.layout_dir(name).join("index.json"))?.digest_of(tag))
    }
}

/// Copies a layer blob into the layout unless it is there; [`copy_verified`] checks that the
/// staged file still has the digest it was built with.
fn copy_blob(src: &Path, digest: Digest, blob_dir: &Path) -> Result<()> {
    let dest = blob_dir.join(digest.hex());
    if dest.exists() {
        return Ok(());
    }
    copy_verified(src, &dest, digest)
}

fn put_blob(bytes: &[u8], digest: Digest, blob_dir: &Path) -> Result<()> {
    let dest = blob_dir.join(digest.hex());
    if dest.exists() {
        return Ok(());
    }
    fs::create_dir_all(blob_dir).map_err(|e| PublishError::io("create directory", blob_dir, e))?;
    write_atomic(&dest, bytes)
}
