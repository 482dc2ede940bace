use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::atomic_file::write_atomic;
use crate::oci::REF_NAME_ANNOTATION;
use crate::oci::descriptor::Descriptor;
use crate::{Digest, PublishError, Result};

const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";

/// The `index.json` of an OCI image layout: one manifest descriptor per tag, the tag in the
/// `org.opencontainers.image.ref.name` annotation (as skopeo and umoci write it).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImageIndex {
    schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Vec<Descriptor>,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_json::Value>,
}

impl ImageIndex {
    /// Reads `path`, or an empty index when the layout has none yet.
    pub(crate) fn load(path: &Path) -> Result<Self> {
        match fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| PublishError::corrupt_json(path, &e))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self {
                schema_version: 2,
                media_type: Some(INDEX_MEDIA_TYPE.to_owned()),
                manifests: Vec::new(),
                extra: BTreeMap::new(),
            }),
            Err(e) => Err(PublishError::io("read", path, e)),
        }
    }

    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| PublishError::serialize("image index", &e))?;
        bytes.push(b'\n');
        write_atomic(path, &bytes)
    }

    /// Every descriptor, in the order of the file.
    pub(crate) fn manifests(&self) -> &[Descriptor] {
        &self.manifests
    }

    pub(crate) fn digest_of(&self, tag: &str) -> Option<Digest> {
        self.manifests
            .iter()
            .find(|d| tag_of(d) == Some(tag))
            .map(|d| d.digest)
    }

    /// Tag names, sorted, each once.
    pub(crate) fn tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self
            .manifests
            .iter()
            .filter_map(|d| tag_of(d).map(str::to_owned))
            .collect();
        tags.sort_unstable();
        tags.dedup();
        tags
    }

    /// Makes `tag` name the manifest `descriptor` describes, dropping what it named before.
    pub(crate) fn point(&mut self, tag: &str, mut descriptor: Descriptor) {
        self.manifests.retain(|d| tag_of(d) != Some(tag));
        descriptor
            .annotations
            .insert(REF_NAME_ANNOTATION.to_owned(), tag.to_owned());
        self.manifests.push(descriptor);
    }
}

fn tag_of(descriptor: &Descriptor) -> Option<&str> {
    descriptor
        .annotations
        .get(REF_NAME_ANNOTATION)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_fields_it_does_not_know() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.json");
        let digest = Digest::of_bytes(b"m");
        fs::write(
            &path,
            format!(
                r#"{{"schemaVersion":2,"x-custom":1,"manifests":[{{"mediaType":"m","digest":"{digest}","size":1,"platform":{{"os":"linux"}},"annotations":{{"{REF_NAME_ANNOTATION}":"v1"}}}}]}}"#
            ),
        )
        .unwrap();
        let mut index = ImageIndex::load(&path).unwrap();
        assert_eq!(index.digest_of("v1"), Some(digest));
        index.point("v2", Descriptor::new("m", Digest::of_bytes(b"n"), 1));
        index.save(&path).unwrap();
        let saved: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(saved["x-custom"], 1);
        assert_eq!(saved["manifests"][0]["platform"]["os"], "linux");
        assert_eq!(ImageIndex::load(&path).unwrap().tags(), ["v1", "v2"]);
    }
}
