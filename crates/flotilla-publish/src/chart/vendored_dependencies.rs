use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

use crate::chart::PackagedChart;
use crate::source_tree::SourceEntry;
use crate::{PublishError, Result};

/// Checks that every dependency `Chart.yaml` declares (or, for `apiVersion: v1`,
/// `requirements.yaml`) is vendored in the package, as `helm package` does: a subchart of that
/// name under `charts/`, as a directory or a `.tgz`. flotilla packages what is there and
/// fetches nothing.
pub(crate) fn check_dependencies(
    chart_dir: &Path,
    metadata: &Map<String, Value>,
    files: &[SourceEntry],
) -> Result<()> {
    let mut declared = names(metadata.get("dependencies"));
    let requirements = chart_dir.join("requirements.yaml");
    if metadata.get("apiVersion").and_then(Value::as_str) == Some("v1") && requirements.is_file() {
        let text = std::fs::read_to_string(&requirements)
            .map_err(|e| PublishError::io("read", &requirements, e))?;
        let parsed: Value =
            serde_saphyr::from_str(&text).map_err(|e| PublishError::InvalidSource {
                path: requirements.clone(),
                problem: format!("it is not valid YAML ({e})"),
                hint: "fix requirements.yaml",
            })?;
        declared.extend(names(parsed.get("dependencies")));
    }
    if declared.is_empty() {
        return Ok(());
    }
    let vendored = vendored(files)?;
    let missing: Vec<String> = declared.difference(&vendored).cloned().collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(PublishError::ChartDependenciesMissing {
        chart: chart_dir.to_path_buf(),
        missing: missing.join(", "),
    })
}

fn names(dependencies: Option<&Value>) -> BTreeSet<String> {
    dependencies
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// The names (from their own `Chart.yaml`) of the subcharts under `charts/`.
fn vendored(files: &[SourceEntry]) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for entry in files {
        let Some(rest) = entry.rel.strip_prefix("charts/") else {
            continue;
        };
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            [_, "Chart.yaml"] => {
                let text = std::fs::read_to_string(&entry.path)
                    .map_err(|e| PublishError::io("read", &entry.path, e))?;
                let name = serde_saphyr::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_owned))
                    .ok_or_else(|| PublishError::InvalidSource {
                        path: entry.path.clone(),
                        problem: "it has no `name`".to_owned(),
                        hint: "vendor the subchart as `helm dependency build` writes it",
                    })?;
                names.insert(name);
            }
            [file] if Path::new(file).extension().is_some_and(|x| x == "tgz") => {
                names.insert(PackagedChart::read(&entry.path)?.name().to_owned());
            }
            _ => {}
        }
    }
    Ok(names)
}
