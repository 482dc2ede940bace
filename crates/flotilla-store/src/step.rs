use jiff::Timestamp;
use serde::Serialize;

use crate::Id;
use crate::text_enum::text_enum;

text_enum! {
    /// Where a step is in its life.
    pub enum StepStatus {
        Pending => "pending",
        /// Recorded before the step's effect: after a crash, the effect may or may not have
        /// happened, and the engine must check the world before redoing it.
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        Skipped => "skipped",
    }
}

impl StepStatus {
    /// Done steps are never started again.
    pub fn is_done(self) -> bool {
        matches!(self, Self::Succeeded | Self::Skipped)
    }
}

/// One step of a run's pipeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub id: Id,
    pub run_id: Id,
    /// Position in the run's pipeline, from 0.
    pub idx: u32,
    pub kind: String,
    pub description: String,
    pub status: StepStatus,
    /// How many times the step was started (0 while pending).
    pub attempt: u32,
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub exit_code: Option<i32>,
    pub log_path: Option<String>,
    /// What the step intends or did (ref, sha, tag, digest...), to check the world on resume.
    pub detail: Option<serde_json::Value>,
}

/// A step of a run's pipeline, recorded `pending` by [`Store::add_steps`](crate::Store::add_steps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    pub idx: u32,
    pub kind: String,
    pub description: String,
}

/// How a step ended, for [`Store::step_finished`](crate::Store::step_finished).
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutcome {
    /// `Succeeded`, `Failed` or `Skipped`.
    pub status: StepStatus,
    pub exit_code: Option<i32>,
    /// Replaces the detail recorded at start when given; `None` keeps it.
    pub detail: Option<serde_json::Value>,
}
