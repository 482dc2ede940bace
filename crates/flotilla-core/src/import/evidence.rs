//! What a repository's files say about its kind, gathered once for the category guess.

use serde::Serialize;

use super::npm_package::NpmPackage;
use super::python_project::PythonProject;
use super::repo_scan::RepoScan;
use crate::version_file::{EditField, VersionEdit};

/// The build files found at a repository's default branch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The Python project of the shallowest `setup.py` or `pyproject.toml`.
    pub python: Option<PythonProject>,
    /// The shallowest `package.json`.
    pub npm: Option<NpmPackage>,
    /// The directory of the shallowest `Chart.yaml` (`deploy/helm`).
    pub chart: Option<String>,
    /// Where the chart's `values.yaml` holds the image tag (`image.version`, `image.tag`) and
    /// the value it holds there.
    pub chart_image: Option<(String, String)>,
    /// A `Dockerfile` at the root.
    pub dockerfile: bool,
    /// Dockerfiles elsewhere.
    pub other_dockerfiles: Vec<String>,
    /// Names of `.github/workflows` files.
    pub workflows: Vec<String>,
    /// The Python module holding the `__version__` the build reads (`src/spacectl/__init__.py`),
    /// when it was found with a `__version__ = "…"` line.
    pub python_module: Option<String>,
}

impl Evidence {
    /// Files to read after the first pass of `scan`: where the `__version__` module its Python
    /// build reads may be (only known once `setup.py` is read), those that exist and were not
    /// read yet.
    pub fn further_files(scan: &RepoScan) -> Vec<String> {
        let Some(python) = Self::python_of(scan) else {
            return Vec::new();
        };
        python
            .version_module_candidates()
            .into_iter()
            .filter(|path| scan.paths.contains(path) && !scan.files.contains_key(path))
            .collect()
    }

    pub fn of(scan: &RepoScan) -> Self {
        let python = Self::python_of(scan);
        let npm = scan
            .found("package.json")
            .first()
            .map(|(path, text)| NpmPackage::from_json(path, text));
        let chart = scan
            .paths_named("Chart.yaml")
            .into_iter()
            .find(|path| !path.contains("/charts/"))
            .map(|path| {
                path.rsplit_once('/')
                    .map_or_else(|| ".".to_owned(), |(dir, _)| dir.to_owned())
            });
        let dockerfiles = scan.paths_named("Dockerfile");
        let chart_image = chart.as_ref().and_then(|dir| {
            let values = if dir == "." {
                "values.yaml".to_owned()
            } else {
                format!("{dir}/values.yaml")
            };
            chart_image(scan.files.get(&values)?)
        });
        let python_module = python.as_ref().and_then(|project| {
            project
                .version_module_candidates()
                .into_iter()
                .find(|path| {
                    scan.files
                        .get(path)
                        .is_some_and(|text| holds(path, EditField::Python, text))
                })
        });
        Self {
            python,
            npm,
            chart,
            chart_image,
            dockerfile: dockerfiles.contains(&"Dockerfile"),
            other_dockerfiles: dockerfiles
                .into_iter()
                .filter(|p| *p != "Dockerfile")
                .map(str::to_owned)
                .collect(),
            workflows: scan.workflows().into_iter().map(str::to_owned).collect(),
            python_module,
        }
    }

    /// The Python project of the shallowest `setup.py`, `setup.cfg` or `pyproject.toml`.
    fn python_of(scan: &RepoScan) -> Option<PythonProject> {
        let setup_cfg = |dir: &str| {
            let path = if dir == "." {
                "setup.cfg".to_owned()
            } else {
                format!("{dir}/setup.cfg")
            };
            scan.files
                .get(&path)
                .map(|text| PythonProject::from_setup_cfg(&path, text))
        };
        // A setup.py that names nothing leaves it to its setup.cfg (`setup()` alone).
        let setup = match scan.found("setup.py").first() {
            Some((path, text)) => {
                let project = PythonProject::from_setup_py(path, text);
                match setup_cfg(&project.dir) {
                    Some(cfg) if project.name.is_none() => Some(cfg),
                    _ => Some(project),
                }
            }
            None => scan
                .found("setup.cfg")
                .first()
                .map(|(path, text)| PythonProject::from_setup_cfg(path, text)),
        };
        let pyproject = scan
            .found("pyproject.toml")
            .first()
            .map(|(path, text)| PythonProject::from_pyproject(path, text));
        // A pyproject.toml that names the project is the newer declaration; one that only
        // configures tools (black, pytest) next to a setup.py is not.
        match (setup, pyproject) {
            (Some(setup), Some(pyproject)) if pyproject.name.is_none() => Some(setup),
            (setup, pyproject) => pyproject.or(setup),
        }
    }

    /// A workflow for pushes to master (`[CI]master push.yml`, `CI_master_push.yml`,
    /// `ci-master.yml`): the original gave one to every category but the core libraries.
    pub fn master_push_workflow(&self) -> bool {
        self.workflow_words()
            .iter()
            .any(|words| words.iter().any(|w| w == "master"))
    }

    /// A workflow publishing development versions to PyPI (`[CI]pypi dev test.yml`,
    /// `CI_pypi_devTest.yml`): the original's core-library template.
    pub fn pypi_dev_workflow(&self) -> bool {
        self.workflow_words().iter().any(|words| {
            words.iter().any(|w| w == "pypi") && words.iter().any(|w| w.starts_with("dev"))
        })
    }

    /// Each workflow file name as lowercase words.
    fn workflow_words(&self) -> Vec<Vec<String>> {
        self.workflows
            .iter()
            .map(|name| {
                name.split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(str::to_ascii_lowercase)
                    .collect()
            })
            .collect()
    }
}

/// Whether `text` has the field a release would write (the same check a release makes).
pub(crate) fn holds(path: &str, field: EditField, text: &str) -> bool {
    VersionEdit {
        path: path.to_owned(),
        field,
        value: "0.0.0".to_owned(),
    }
    .apply(Some(text))
    .is_ok()
}

/// The key of the image tag in a chart's values (`image.version` in the platform's charts,
/// `image.tag` in Helm's starter) and its value there.
fn chart_image(values: &str) -> Option<(String, String)> {
    let values: serde_json::Value = serde_saphyr::from_str(values).ok()?;
    let image = values.get("image")?;
    ["version", "tag"].iter().find_map(|key| {
        let value = image.get(*key)?;
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        Some((format!("image.{key}"), text))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_setup_py_defers_to_its_setup_cfg() {
        let scan = RepoScan {
            paths: vec!["setup.py".to_owned(), "setup.cfg".to_owned()],
            files: [
                ("setup.py", "from setuptools import setup\nsetup()\n"),
                ("setup.cfg", "[metadata]\nname = spaceone-config\n"),
            ]
            .into_iter()
            .map(|(p, t)| (p.to_owned(), t.to_owned()))
            .collect(),
            ..RepoScan::default()
        };
        let python = Evidence::of(&scan).python.unwrap();
        assert_eq!(python.name.as_deref(), Some("spaceone-config"));
        assert_eq!(python.file, "setup.cfg");
        assert!(python.unread.is_empty());
    }

    #[test]
    fn workflow_names_are_read_as_the_original_named_them() {
        let evidence = Evidence {
            workflows: vec![
                "CI_pypi_devTest.yml".to_owned(),
                "[CI]branch tagging.yml".to_owned(),
            ],
            ..Evidence::default()
        };
        assert!(evidence.pypi_dev_workflow());
        assert!(!evidence.master_push_workflow());
        let service = Evidence {
            workflows: vec!["ci-master.yml".to_owned()],
            ..Evidence::default()
        };
        assert!(service.master_push_workflow());
    }
}
