//! What a step that did not fail reports.

use crate::steps::published::Published;

/// The result of a step that did not fail.
#[derive(Debug, Default)]
pub struct StepOutput {
    /// What the step did (or found already done), stored with the step.
    pub detail: serde_json::Value,
    pub exit_code: Option<i32>,
    pub artifacts: Vec<Published>,
}

impl StepOutput {
    pub fn detail(detail: serde_json::Value) -> Self {
        Self {
            detail,
            ..Self::default()
        }
    }
}
