//! The manifest's `workflows:` section once resolved: how the rendered GitHub Actions workflows
//! install flotilla, where their runners find the fleet manifest, and which template files
//! replace the built-in ones.

use std::collections::BTreeMap;

use serde::Serialize;

use super::workflow_kind::WorkflowKind;

/// The release download of flotilla that runners install unless the manifest names another:
/// the project's own release assets, `{version}` replaced.
pub const DEFAULT_INSTALL_URL: &str = concat!(
    env!("CARGO_PKG_REPOSITORY"),
    "/releases/download/v{version}/flotilla-{version}-x86_64-unknown-linux-gnu.tar.gz"
);

/// Where the rendered jobs find the fleet manifest by default: a repository called `fleet`
/// beside the one the workflow runs in.
pub const DEFAULT_FLEET_REPOSITORY: &str = "${{ github.repository_owner }}/fleet";
pub const DEFAULT_FLEET_PATH: &str = "flotilla.yaml";
pub const DEFAULT_FLEET_TOKEN_SECRET: &str = "FLOTILLA_FLEET_TOKEN";
pub const DEFAULT_RUNS_ON: &str = "ubuntu-latest";

/// Resolved `workflows:` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowSettings {
    /// The flotilla the jobs run, pinned.
    pub flotilla: FlotillaInstall,
    /// The fleet manifest's repository on GitHub (`owner/name`, or an expression).
    pub fleet_repository: String,
    /// Branch or tag of the fleet repository; `None`: its default branch.
    pub fleet_ref: Option<String>,
    /// Path of the manifest in the fleet repository.
    pub fleet_path: String,
    /// Name of the secret holding a token that can read the fleet repository.
    pub fleet_token_secret: String,
    /// The `runs-on` label of every job.
    pub runs_on: String,
    /// Further secrets, by name, that the release job's flotilla sees as environment
    /// variables of the same name (beyond the registries' credentials).
    pub secrets: Vec<String>,
    /// Template files replacing the built-in ones, per category and per repository (which
    /// wins), relative to the manifest's directory.
    pub templates: TemplateOverrides,
}

/// How a runner gets the pinned flotilla.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FlotillaInstall {
    /// A release archive (`.tar.gz` holding the `flotilla` binary) downloaded by a step and
    /// checked against `sha256` when given.
    Url {
        version: String,
        /// `{version}` already replaced.
        url: String,
        sha256: Option<String>,
    },
    /// The jobs run in this container image, which has flotilla on its `PATH`.
    Image { version: String, image: String },
}

impl FlotillaInstall {
    pub fn version(&self) -> &str {
        match self {
            Self::Url { version, .. } | Self::Image { version, .. } => version,
        }
    }
}

/// Template files by category and by repository name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TemplateOverrides {
    pub categories: BTreeMap<String, TemplateFiles>,
    pub repositories: BTreeMap<String, TemplateFiles>,
}

impl TemplateOverrides {
    /// The file replacing the built-in template of `kind` for a repository: its own, else its
    /// category's.
    pub fn file_for(&self, repo: &str, category: &str, kind: WorkflowKind) -> Option<&str> {
        self.repositories
            .get(repo)
            .and_then(|files| files.get(kind))
            .or_else(|| self.categories.get(category).and_then(|f| f.get(kind)))
    }

    /// Every file named, once.
    pub fn all_files(&self) -> Vec<&str> {
        let mut files: Vec<&str> = self
            .categories
            .values()
            .chain(self.repositories.values())
            .flat_map(|f| WorkflowKind::ALL.into_iter().filter_map(|kind| f.get(kind)))
            .collect();
        files.sort_unstable();
        files.dedup();
        files
    }
}

/// One template file per workflow kind, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TemplateFiles {
    pub dev: Option<String>,
    pub release: Option<String>,
    pub pr: Option<String>,
}

impl TemplateFiles {
    pub fn get(&self, kind: WorkflowKind) -> Option<&str> {
        match kind {
            WorkflowKind::Dev => self.dev.as_deref(),
            WorkflowKind::Release => self.release.as_deref(),
            WorkflowKind::Pr => self.pr.as_deref(),
        }
        .filter(|path| !path.is_empty())
    }
}

impl Default for WorkflowSettings {
    fn default() -> Self {
        Self {
            flotilla: FlotillaInstall::Url {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                url: DEFAULT_INSTALL_URL.replace("{version}", env!("CARGO_PKG_VERSION")),
                sha256: None,
            },
            fleet_repository: DEFAULT_FLEET_REPOSITORY.to_owned(),
            fleet_ref: None,
            fleet_path: DEFAULT_FLEET_PATH.to_owned(),
            fleet_token_secret: DEFAULT_FLEET_TOKEN_SECRET.to_owned(),
            runs_on: DEFAULT_RUNS_ON.to_owned(),
            secrets: Vec::new(),
            templates: TemplateOverrides::default(),
        }
    }
}
