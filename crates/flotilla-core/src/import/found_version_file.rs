//! A further file that carries the version, as import writes it into `version_files`.

use serde::Serialize;

/// One `version_files` entry of an imported repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundVersionFile {
    /// Relative to the repository's root.
    pub path: String,
    /// The manifest's `format:` (`canonical`, `pep440`, `package.json`, `Chart.yaml`, `python`,
    /// `pyproject`).
    pub format: &'static str,
    /// For `canonical`: the file's own spelling, when it is not the version file's.
    pub template: Option<String>,
    /// For `Chart.yaml`: the keys written, when not both.
    pub keys: Option<Vec<String>>,
    /// What the file holds now and why it was chosen, for the manifest's comment.
    pub why: String,
}

impl FoundVersionFile {
    pub(crate) fn new(path: &str, format: &'static str, why: String) -> Self {
        Self {
            path: path.to_owned(),
            format,
            template: None,
            keys: None,
            why,
        }
    }

    /// Whether writing it needs the SemVer rendering, which a hotfix has only with
    /// `hotfix_semver`.
    pub fn needs_semver(&self) -> bool {
        self.format == "package.json"
            || (self.format == "Chart.yaml"
                && self
                    .keys
                    .as_ref()
                    .is_none_or(|keys| keys.iter().any(|k| k == "version")))
    }
}
