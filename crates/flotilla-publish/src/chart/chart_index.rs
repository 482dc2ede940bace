use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::atomic_file::write_atomic;
use crate::chart::PackagedChart;
use crate::{Digest, PublishError, Result};

/// A Helm chart repository's `index.yaml`: per chart name (sorted), its versions newest first,
/// each the chart's metadata with `urls`, `digest` and `created`. Fields this crate does not use
/// are kept as read, so an index written by `helm repo index` loses nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartIndex {
    #[serde(rename = "apiVersion")]
    api_version: String,
    #[serde(default)]
    entries: BTreeMap<String, Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    generated: Option<String>,
    #[serde(flatten)]
    extra: BTreeMap<String, Value>,
}

impl Default for ChartIndex {
    fn default() -> Self {
        Self {
            api_version: "v1".to_owned(),
            entries: BTreeMap::new(),
            generated: None,
            extra: BTreeMap::new(),
        }
    }
}

impl ChartIndex {
    /// Reads `path`, or an empty index when the repository has none yet.
    pub fn load(path: &Path) -> Result<Self> {
        match fs::read_to_string(path) {
            Ok(text) => serde_saphyr::from_str(&text).map_err(|e| PublishError::CorruptTarget {
                path: path.to_path_buf(),
                problem: format!("it is not a Helm repository index ({e})"),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(PublishError::io("read", path, e)),
        }
    }

    /// The index as YAML, `generated` as last stamped.
    pub fn to_yaml(&self) -> Result<String> {
        serde_saphyr::to_string(self).map_err(|e| PublishError::Serialize {
            what: "chart repository index",
            cause: e.to_string(),
        })
    }

    /// Stamps `generated` and writes the index to `path` atomically (a temporary file renamed
    /// into place), so that a reader sees the old index or the new one, never a part.
    pub fn save(&mut self, path: &Path, generated: &str) -> Result<()> {
        self.generated = Some(generated.to_owned());
        write_atomic(path, self.to_yaml()?.as_bytes())
    }

    /// When the index was last generated, as written.
    pub fn generated(&self) -> Option<&str> {
        self.generated.as_deref()
    }

    /// The `digest` (hex SHA-256) recorded for a chart version, if it is listed.
    pub fn digest_of(&self, name: &str, version: &str) -> Option<&str> {
        self.entries
            .get(name)?
            .iter()
            .find(|e| e.get("version").and_then(Value::as_str) == Some(version))
            .map(|e| e.get("digest").and_then(Value::as_str).unwrap_or_default())
    }

    /// The listed versions of chart `name`, newest first.
    pub fn versions(&self, name: &str) -> Vec<&str> {
        self.entries.get(name).map_or_else(Vec::new, |versions| {
            versions
                .iter()
                .filter_map(|e| e.get("version").and_then(Value::as_str))
                .collect()
        })
    }

    /// Lists every chart of `charts` the index does not list yet, `created` at the given time,
    /// and returns how many it added. A chart version listed (or given twice) with another
    /// digest is a [`PublishError::FileConflict`] and leaves the index as it was; `location`
    /// names the repository in that error.
    pub fn merge(
        &mut self,
        charts: &[PackagedChart],
        created: &str,
        location: &str,
    ) -> Result<usize> {
        let mut new: BTreeMap<(&str, String), &PackagedChart> = BTreeMap::new();
        for chart in charts {
            let version = chart.version().to_string();
            let listed = match self.digest_of(chart.name(), &version) {
                Some(hex) => Some(listed_digest(hex, chart)?),
                None => new
                    .get(&(chart.name(), version.clone()))
                    .map(|c| c.digest()),
            };
            match listed {
                Some(existing) if existing != chart.digest() => {
                    return Err(PublishError::FileConflict {
                        filename: chart.filename(),
                        location: location.to_owned(),
                        existing,
                        new: chart.digest(),
                    });
                }
                Some(_) => {}
                None => {
                    new.insert((chart.name(), version), chart);
                }
            }
        }
        for chart in new.values() {
            self.add(chart.name(), index_entry(chart, created));
        }
        Ok(new.len())
    }

    /// Lists a chart version, keeping the chart's versions newest first as Helm does.
    fn add(&mut self, name: &str, entry: Value) {
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

pub(crate) fn listed_digest(hex: &str, chart: &PackagedChart) -> Result<Digest> {
    format!("sha256:{hex}")
        .parse()
        .map_err(|_| PublishError::CorruptTarget {
            path: "index.yaml".into(),
            problem: format!(
                "the digest of `{}` is not a SHA-256 digest",
                chart.filename()
            ),
        })
}

/// The chart's metadata with what the index adds: `urls` (the package's file name, relative
/// to the index, as `helm repo index` writes it), `digest` and `created`.
fn index_entry(chart: &PackagedChart, created: &str) -> Value {
    let mut entry = chart.metadata().clone();
    entry.insert("urls".to_owned(), Value::from(vec![chart.filename()]));
    entry.insert("digest".to_owned(), Value::from(chart.digest().hex()));
    entry.insert("created".to_owned(), Value::from(created));
    Value::Object(entry)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn chart(name: &str, version: &str, content: &str) -> PackagedChart {
        PackagedChart {
            name: name.to_owned(),
            version: semver::Version::parse(version).unwrap(),
            app_version: version.to_owned(),
            path: format!("/nowhere/{name}-{version}.tgz").into(),
            digest: Digest::of_bytes(content.as_bytes()),
            size: content.len() as u64,
            metadata: json!({"apiVersion": "v2", "name": name, "version": version})
                .as_object()
                .unwrap()
                .clone(),
        }
    }

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
            json!({"name": "a", "version": "1.10.0", "digest": "cd"}),
        );
        index.add(
            "a",
            json!({"name": "a", "version": "1.9.0", "digest": "ef"}),
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

    /// One merge: charts already listed, charts a train adds, and what the index then says.
    struct Case {
        name: &'static str,
        listed: &'static [(&'static str, &'static str, &'static str)],
        merged: &'static [(&'static str, &'static str, &'static str)],
        /// How many entries the merge adds, or `None` for a conflict.
        added: Option<usize>,
        /// Every chart's versions afterwards, `name=v1,v2` (newest first), sorted by name.
        after: &'static [&'static str],
    }

    const CASES: &[Case] = &[
        Case {
            name: "an empty index gets every chart, sorted by name",
            listed: &[],
            merged: &[
                ("web", "1.0.0", "w"),
                ("api", "1.0.0", "a"),
                ("db", "2.0.0", "d"),
            ],
            added: Some(3),
            after: &["api=1.0.0", "db=2.0.0", "web=1.0.0"],
        },
        Case {
            name: "new versions go before older ones, by SemVer not text",
            listed: &[("api", "1.9.0", "a9"), ("api", "1.0.0", "a0")],
            merged: &[("api", "1.10.0", "a10"), ("api", "1.0.1-rc.1", "rc")],
            added: Some(2),
            after: &["api=1.10.0,1.9.0,1.0.1-rc.1,1.0.0"],
        },
        Case {
            name: "an identical chart already listed is not listed again",
            listed: &[("api", "1.0.0", "a")],
            merged: &[("api", "1.0.0", "a"), ("web", "1.0.0", "w")],
            added: Some(1),
            after: &["api=1.0.0", "web=1.0.0"],
        },
        Case {
            name: "everything already listed adds nothing",
            listed: &[("api", "1.0.0", "a")],
            merged: &[("api", "1.0.0", "a")],
            added: Some(0),
            after: &["api=1.0.0"],
        },
        Case {
            name: "the same chart twice in one train is listed once",
            listed: &[],
            merged: &[("api", "1.0.0", "a"), ("api", "1.0.0", "a")],
            added: Some(1),
            after: &["api=1.0.0"],
        },
        Case {
            name: "a listed version with another digest is refused and nothing changes",
            listed: &[("api", "1.0.0", "a")],
            merged: &[("web", "1.0.0", "w"), ("api", "1.0.0", "changed")],
            added: None,
            after: &["api=1.0.0"],
        },
        Case {
            name: "two different builds of one version in a train are refused",
            listed: &[],
            merged: &[("api", "1.0.0", "a"), ("api", "1.0.0", "b")],
            added: None,
            after: &[],
        },
    ];

    fn charts(list: &[(&str, &str, &str)]) -> Vec<PackagedChart> {
        list.iter().map(|&(n, v, c)| chart(n, v, c)).collect()
    }

    #[test]
    fn merges_as_the_cases_say() {
        for case in CASES {
            let mut index = ChartIndex::default();
            for chart in charts(case.listed) {
                index.add(chart.name(), index_entry(&chart, "then"));
            }
            let before = index.clone();
            let result = index.merge(&charts(case.merged), "now", "repo");
            if let Some(added) = case.added {
                assert_eq!(result.unwrap(), added, "{}", case.name);
            } else {
                assert!(
                    matches!(result, Err(PublishError::FileConflict { .. })),
                    "{}",
                    case.name
                );
                assert_eq!(index, before, "{}", case.name);
            }
            let after: Vec<String> = index
                .entries
                .keys()
                .map(|name| format!("{name}={}", index.versions(name).join(",")))
                .collect();
            assert_eq!(after, case.after, "{}", case.name);
        }
    }

    #[test]
    fn an_entry_has_the_package_url_digest_and_the_given_time() {
        let mut index = ChartIndex::default();
        let api = chart("api", "1.2.3", "a");
        index
            .merge(std::slice::from_ref(&api), "2026-01-02T03:04:05Z", "repo")
            .unwrap();
        index
            .save(&tempfile::tempdir().unwrap().path().join("i.yaml"), "g")
            .unwrap();
        let yaml: Value = serde_saphyr::from_str(&index.to_yaml().unwrap()).unwrap();
        let entry = &yaml["entries"]["api"][0];
        assert_eq!(entry["urls"], json!(["api-1.2.3.tgz"]));
        assert_eq!(entry["digest"], api.digest().hex());
        assert_eq!(entry["created"], "2026-01-02T03:04:05Z");
        assert_eq!(entry["apiVersion"], "v2");
        assert_eq!(yaml["generated"], "g");
        // The same merge again gives the same bytes.
        let mut again = ChartIndex::default();
        again.merge(&[api], "2026-01-02T03:04:05Z", "repo").unwrap();
        again.generated = Some("g".to_owned());
        assert_eq!(again.to_yaml().unwrap(), index.to_yaml().unwrap());
    }
}
