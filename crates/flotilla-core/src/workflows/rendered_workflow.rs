use serde::Serialize;

use super::workflow_kind::WorkflowKind;

/// One workflow file as flotilla renders it for a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedWorkflow {
    pub kind: WorkflowKind,
    /// From the repository's root: `.github/workflows/flotilla-release.yml`.
    pub path: String,
    /// The template it came from: `builtin:release` or the override's path.
    pub template: String,
    pub text: String,
}
