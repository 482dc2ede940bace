//! What the engine read of one repository, at its default branch: the input of an import.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One repository as found: its refs, its file list and the contents of the files
/// [`RepoScan::wants`] selected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoScan {
    /// The repository's name in the manifest (see [`repo_name`]).
    pub name: String,
    /// The remote as the manifest will spell it.
    pub remote: String,
    pub default_branch: String,
    /// Branch names, without `refs/heads/`.
    pub branches: Vec<String>,
    /// Tag names, without `refs/tags/`.
    pub tags: Vec<String>,
    /// Every file of the default branch.
    pub paths: Vec<String>,
    /// The contents of the wanted files (valid UTF-8 only).
    pub files: BTreeMap<String, String>,
    /// The remote is a local clone with a work tree, not a bare repository.
    #[serde(default)]
    pub work_tree: bool,
}

/// File names read at any depth up to [`MAX_DEPTH`] (Chart.yaml: [`MAX_CHART_DEPTH`]).
const READ: [&str; 7] = [
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "package.json",
    "VERSION",
    "Chart.yaml",
    "values.yaml",
];
/// `dist/python/setup.py` (the platform's `api`) is three deep.
const MAX_DEPTH: usize = 3;
const MAX_CHART_DEPTH: usize = 4;
/// Directories of other people's code.
const SKIPPED: [&str; 3] = ["node_modules", "vendor", "site-packages"];

impl RepoScan {
    /// Whether an import reads the content of `path`.
    pub fn wants(path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        let Some(file) = parts.last() else {
            return false;
        };
        if parts.iter().any(|p| SKIPPED.contains(p)) || !READ.contains(file) {
            return false;
        }
        let limit = if *file == "Chart.yaml" || *file == "values.yaml" {
            MAX_CHART_DEPTH
        } else {
            MAX_DEPTH
        };
        parts.len() <= limit
    }

    /// The wanted files called `file_name`, shallowest first.
    pub(crate) fn found(&self, file_name: &str) -> Vec<(&str, &str)> {
        let mut found: Vec<(&str, &str)> = self
            .files
            .iter()
            .filter(|(path, _)| path.rsplit('/').next() == Some(file_name))
            .map(|(path, text)| (path.as_str(), text.as_str()))
            .collect();
        found.sort_by_key(|(path, _)| (path.matches('/').count(), *path));
        found
    }

    /// Paths of the files called `file_name`, shallowest first.
    pub(crate) fn paths_named(&self, file_name: &str) -> Vec<&str> {
        let mut found: Vec<&str> = self
            .paths
            .iter()
            .filter(|path| path.rsplit('/').next() == Some(file_name))
            .map(String::as_str)
            .collect();
        found.sort_by_key(|path| (path.matches('/').count(), *path));
        found
    }

    /// The file names under `.github/workflows`.
    pub(crate) fn workflows(&self) -> Vec<&str> {
        self.paths
            .iter()
            .filter_map(|p| p.strip_prefix(".github/workflows/"))
            .filter(|p| {
                let lower = p.to_ascii_lowercase();
                !p.contains('/')
                    && std::path::Path::new(&lower)
                        .extension()
                        .is_some_and(|e| e == "yml" || e == "yaml")
            })
            .collect()
    }
}

/// A manifest name for the repository at `remote`: its last path component without `.git`,
/// lowercased, other characters than `a-z 0-9 . _ -` made `-`.
pub fn repo_name(remote: &str) -> String {
    let trimmed = remote.trim_end_matches('/');
    let last = trimmed.rsplit(['/', ':', '\\']).next().unwrap_or(trimmed);
    let last = last.strip_suffix(".git").unwrap_or(last);
    let mut name: String = last
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    while name.starts_with(['.', '_', '-']) {
        name.remove(0);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_remote() {
        assert_eq!(
            repo_name("git@github.com:cloudforet-io/identity.git"),
            "identity"
        );
        assert_eq!(
            repo_name("https://github.com/org/Python-Core/"),
            "python-core"
        );
        assert_eq!(repo_name("/srv/git/plugin-aws-ec2.git"), "plugin-aws-ec2");
        assert_eq!(repo_name("host:api"), "api");
        assert_eq!(repo_name("../.hidden.git"), "hidden");
    }

    #[test]
    fn build_files_are_wanted_where_projects_keep_them() {
        for path in [
            "setup.py",
            "src/setup.py",
            "dist/python/setup.py",
            "src/VERSION",
            "package.json",
            "deploy/helm/Chart.yaml",
        ] {
            assert!(RepoScan::wants(path), "{path}");
        }
        for path in [
            "node_modules/x/package.json",
            "a/b/c/setup.py",
            "src/main.py",
            "Dockerfile",
            "deploy/helm/charts/sub/Chart.yaml",
        ] {
            assert!(!RepoScan::wants(path), "{path}");
        }
    }
}
