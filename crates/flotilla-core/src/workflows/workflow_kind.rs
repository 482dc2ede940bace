//! The workflows flotilla renders into every repository, one per trigger of the seed.

use serde::Serialize;

/// A workflow file flotilla owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkflowKind {
    /// Master push: the dev build (the original's `CI_master_push.yml`).
    Dev,
    /// Dispatched by flotilla for release-branch, tag and hotfix runs: builds and publishes on
    /// the runner (the original's `CI_branch_tagging.yml`).
    Release,
    /// Pull-request checks.
    Pr,
}

impl WorkflowKind {
    pub const ALL: [Self; 3] = [Self::Dev, Self::Release, Self::Pr];

    /// The file under `.github/workflows/` (the release file is what the executor dispatches).
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Dev => "flotilla-dev.yml",
            Self::Release => "flotilla-release.yml",
            Self::Pr => "flotilla-pr.yml",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Release => "release",
            Self::Pr => "pr",
        }
    }

    /// The built-in template, embedded in the binary.
    pub fn builtin_template(self) -> &'static str {
        match self {
            Self::Dev => include_str!("templates/dev.yml.j2"),
            Self::Release => include_str!("templates/release.yml.j2"),
            Self::Pr => include_str!("templates/pr.yml.j2"),
        }
    }
}
