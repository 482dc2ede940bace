//! Where a repository's build-and-publish steps run: on the flotilla host, or on a GitHub
//! Actions runner through the repository's release workflow.

use serde::Serialize;

/// A repository's executor after its category's and its own `executor:` are merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Executor {
    /// Every step on the flotilla host (the default).
    Local,
    /// Git steps on the flotilla host; the run's commands and publish steps in one dispatched
    /// run of `workflow` in the GitHub repository `repository` (`owner/name`).
    GithubActions {
        repository: String,
        /// The release workflow's file name in `.github/workflows`.
        workflow: String,
    },
}

impl Executor {
    /// The manifest's spelling of its kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::GithubActions { .. } => "github-actions",
        }
    }

    pub fn is_remote(&self) -> bool {
        !matches!(self, Self::Local)
    }
}

/// The `executor:` key of a category or repository, as written.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ExecutorKind {
    /// Every step on the flotilla host.
    #[default]
    Local,
    /// Commands and publish steps on a GitHub Actions runner, through the release workflow.
    GithubActions,
}
