//! GitHub Actions workflows as code: every repository's `.github/workflows` rendered from
//! templates per trigger (master push, release dispatch, pull requests), compared with what the
//! repositories hold. Pure: the caller reads template overrides and the repositories' files.

mod rendered_workflow;
mod workflow_drift;
mod workflow_error;
mod workflow_kind;
mod workflow_renderer;
mod workflow_settings;

pub use rendered_workflow::RenderedWorkflow;
pub use workflow_drift::{DriftState, FileDrift, WorkflowDrift, is_generated};
pub use workflow_error::WorkflowError;
pub use workflow_kind::WorkflowKind;
pub use workflow_renderer::{GENERATED_MARKER, WORKFLOWS_DIR, WorkflowRenderer};
pub use workflow_settings::{
    DEFAULT_FLEET_PATH, DEFAULT_FLEET_REPOSITORY, DEFAULT_FLEET_TOKEN_SECRET, DEFAULT_INSTALL_URL,
    DEFAULT_RUNS_ON, FlotillaInstall, TemplateFiles, TemplateOverrides, WorkflowSettings,
};
