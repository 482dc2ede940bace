use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::atomic_file::write_atomic;
use crate::{PublishError, Result};

/// A Helm chart repository's `index.yaml`: per chart name, its versions newest first, each the
/// chart's metadata with `urls`, `digest` and `created`. Fields this crate does not use are kept
/// as read, so an index written by `helm repo index` loses nothing.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ChartIndex {
    #[serde(rename = "apiVersion")]
    api_version: String,
    #[serde(default)]
    entries: BTreeMap<String, Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    generated: Option<String>,
    #[serde(flatten)]
    extra: BTreeMap<String, Value>,
}

impl ChartIndex {
    /// Reads `path`, or an empty index when the repository has none yet.
    pub(crate) fn load(path: &Path) -> Result<Self> {
        match fs::read_to_string(path) {
            Ok(text) => serde_saphyr::from_str(&text).map_err(|e| PublishError::CorruptTarget {
                path: path.to_path_buf(),
                problem: format!("it is not a Helm repository index ({e})"),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self {
                api_version: "v1".to_owned(),
                entries: BTreeMap::new(),
                generated: None,
                extra: BTreeMap::new(),
            }),
            Err(e) => Err(PublishError::io("read", path, e)),
        }
    }

    /// Writes the index atomically, stamping `generated`.
    pub(crate) fn save(&mut self, path: &Path, now: &str) -> Result<()> {
        self.generated = Some(now.to_owned());
        let text = serde_saphyr::to_string(self).map_err(|e| PublishError::Serialize {
            what: "chart repository index",
            cause: e.to_string(),
        })?;
        write_atomic(path, text.as_bytes())
    }

    /// The `digest` (hex SHA-256) recorded for a chart version, if it is listed.
    pub(crate) fn digest_of(&self, name: &str, version: &str) -> Option<&str> {
        self.entries
            .get(name)?
            .iter()
            .find(|e| e.get("version").and_then(Value::as_str) == Some(version))
            .map(|e| e.get("digest").and_then(Value::as_str).unwrap_or_default())
    }

    /// Lists a chart version, keeping the chart's versions newest first as Helm does.
    pub(crate) fn add(&mut self, name: &str, entry: Value) {
        let versions = self.entries.entry(name.to_owned()).or_default();
        versions.push(entry);
        versions.sort_by_cached_key(|e| {
            std::cmp::Reverse(
                e.get("version")
                    .and_then(Value::as_str)
                    .and_then(|v| semver::Version::parse(v).ok()),
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unknown_fields_and_orders_versions_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.yaml");
        fs::write(
            &path,
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    digest: ab\n    \
             home: https://example.invalid\nserverInfo:\n  contextPath: /x\n",
        )
        .unwrap();
        let mut index = ChartIndex::load(&path).unwrap();
        assert_eq!(index.digest_of("a", "1.0.0"), Some("ab"));
        index.add(
            "a",
            serde_json::json!({"name": "a", "version": "1.10.0", "digest": "cd"}),
        );
        index.add(
            "a",
            serde_json::json!({"name": "a", "version": "1.9.0", "digest": "ef"}),
        );
        index.save(&path, "2024-01-01T00:00:00Z").unwrap();
        let saved: Value = serde_saphyr::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(saved["serverInfo"]["contextPath"], "/x");
        assert_eq!(saved["entries"]["a"][2]["home"], "https://example.invalid");
        let versions: Vec<&str> = saved["entries"]["a"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["version"].as_str().unwrap())
            .collect();
        assert_eq!(versions, ["1.10.0", "1.9.0", "1.0.0"]);
        assert_eq!(saved["generated"], "2024-01-01T00:00:00Z");
    }
}
