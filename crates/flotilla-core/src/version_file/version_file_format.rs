use serde::Serialize;

use crate::Template;

/// How a version file spells the version, and where in the file it sits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionFileFormat {
    /// The whole file: the version-file template (its own, else the repository's), as
    /// `VERSION` files always were (`v1.2.3rc1`).
    Canonical {
        #[serde(skip_serializing_if = "Option::is_none")]
        template: Option<Template>,
    },
    /// The whole file: PEP 440 (`1.2.3rc1`, `1.2.3.dev4`, `1.2.3.1`).
    Pep440,
    /// The whole file: SemVer (`1.2.3-rc.1`).
    Semver,
    /// The top-level `"version"` of a `package.json`, in SemVer.
    PackageJson,
    /// `version` (SemVer) and/or `appVersion` (the image tag) of a `Chart.yaml`.
    ChartYaml { version: bool, app_version: bool },
    /// A Python module's `__version__ = "…"` line, in PEP 440.
    Python,
    /// The static `version` of a `pyproject.toml`'s `[project]` table, in PEP 440.
    Pyproject,
}

impl VersionFileFormat {
    /// The names the manifest's `format:` takes.
    pub const NAMES: &[&str] = &[
        "canonical",
        "pep440",
        "semver",
        "package.json",
        "Chart.yaml",
        "python",
        "pyproject",
    ];

    /// The format named `name` in the manifest, with its defaults; `None` for an unknown name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "canonical" => Self::Canonical { template: None },
            "pep440" => Self::Pep440,
            "semver" => Self::Semver,
            "package.json" => Self::PackageJson,
            "Chart.yaml" => Self::ChartYaml {
                version: true,
                app_version: true,
            },
            "python" => Self::Python,
            "pyproject" => Self::Pyproject,
            _ => return None,
        })
    }

    /// Whether writing it needs the SemVer rendering (which a hotfix may not have).
    pub fn needs_semver(&self) -> bool {
        matches!(
            self,
            Self::Semver | Self::PackageJson | Self::ChartYaml { version: true, .. }
        )
    }
}
