use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value};

use crate::chart::ChartRelease;
use crate::chart::chart_values::pinned_values;
use crate::chart::chart_yaml::ChartYaml;
use crate::chart::helm_ignore::HelmIgnore;
use crate::chart::vendored_dependencies::check_dependencies;
use crate::reproducible_tar::{ReproducibleTar, gzip};
use crate::source_tree::{EntryKind, SourceEntry, SourceTree};
use crate::{PublishError, Result};

/// Every entry of a chart package gets this mtime, so that packaging the same chart twice gives
/// the same bytes (Helm itself stamps the packaging time).
const PACKAGE_MTIME: u64 = 0;

/// A chart directory read and ready to archive: its edited `Chart.yaml` (and `values.yaml`,
/// when the release pins its image tag) and the files Helm would package with it, vendored
/// subcharts under `charts/` included.
pub(crate) struct ChartSource {
    chart_yaml: ChartYaml,
    values: Option<Vec<u8>>,
    version: semver::Version,
    app_version: String,
    files: Vec<SourceEntry>,
}

impl ChartSource {
    pub(crate) fn load(chart_dir: &Path, release: &ChartRelease) -> Result<Self> {
        let (version, app_version) = (release.version.as_str(), release.app_version.as_str());
        let version =
            semver::Version::parse(version).map_err(|e| PublishError::InvalidVersion {
                scheme: "SemVer",
                version: version.to_owned(),
                cause: e.to_string(),
            })?;
        if app_version.is_empty() || app_version.contains(['\n', '\r']) {
            return Err(PublishError::InvalidMetadata {
                field: "chart appVersion",
                value: app_version.to_owned(),
                expected: "a non-empty one-line string, usually the image version",
            });
        }
        let chart_yaml = ChartYaml::edit(&chart_dir.join("Chart.yaml"), &version, app_version)?;
        let ignore = HelmIgnore::load(chart_dir)?;
        let tree = SourceTree::scan(chart_dir, &|rel, is_dir| {
            rel != "Chart.yaml" && !ignore.ignores(rel, is_dir)
        })?;
        let mut files = Vec::new();
        for entry in tree.entries() {
            match entry.kind {
                EntryKind::Dir => {}
                EntryKind::File { .. } => files.push(entry.clone()),
                EntryKind::Symlink { .. } => {
                    return Err(PublishError::InvalidSource {
                        path: entry.path.clone(),
                        problem: "it is a symbolic link".to_owned(),
                        hint: "a chart package holds plain files: replace the link with the file \
                               it points to, or list it in `.helmignore`",
                    });
                }
            }
        }
        check_dependencies(chart_dir, &chart_yaml.metadata, &files)?;
        let values = match &release.image_tag {
            Some(pin) => pinned_values(chart_dir, pin)?,
            None => None,
        };
        Ok(Self {
            chart_yaml,
            values,
            version,
            app_version: app_version.to_owned(),
            files,
        })
    }

    pub(crate) fn name(&self) -> &str {
        &self.chart_yaml.name
    }

    pub(crate) fn version(&self) -> &semver::Version {
        &self.version
    }

    pub(crate) fn app_version(&self) -> &str {
        &self.app_version
    }

    pub(crate) fn metadata(&self) -> &Map<String, Value> {
        &self.chart_yaml.metadata
    }

    /// `<name>-<version>.tgz`, as `helm package` names it.
    pub(crate) fn filename(&self) -> String {
        format!("{}-{}.tgz", self.name(), self.version)
    }

    /// Writes the gzip tar Helm reads: files only, each under `<name>/`, `Chart.yaml` first.
    /// `archive` names the package being written, for error messages.
    pub(crate) fn write<W: Write>(&self, writer: W, archive: &Path) -> Result<W> {
        let mut tar = ReproducibleTar::new(gzip(writer), PACKAGE_MTIME, archive);
        let name = self.name();
        tar.append_bytes(&format!("{name}/Chart.yaml"), &self.chart_yaml.bytes, false)?;
        for entry in &self.files {
            let path = format!("{name}/{}", entry.rel);
            match &self.values {
                Some(values) if entry.rel == "values.yaml" => {
                    tar.append_bytes(&path, values, false)?;
                }
                _ => tar.append_entry(&path, entry)?,
            }
        }
        tar.finish()?
            .finish()
            .map_err(|e| PublishError::io("write archive", archive, e))
    }
}
