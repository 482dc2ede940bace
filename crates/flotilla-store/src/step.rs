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

    /// Whether a step may end in this status
    /// ([`StepStore::step_finished`](crate::StepStore::step_finished)).
    pub fn is_outcome(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Skipped)
    }

    /// Whether a step in this status may move to `next`. Any step not done may start (again,
    /// after a failure or a crash); a running step ends in an outcome; a pending step may only
    /// be skipped.
    pub fn can_become(self, next: Self) -> bool {
        match (self, next) {
            (from, Self::Running) => !from.is_done(),
            (Self::Running, to) => to.is_outcome(),
            (Self::Pending, Self::Skipped) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StepStatus::{self, Failed, Pending, Running, Skipped, Succeeded};

    #[test]
    fn transitions() {
        let allowed = [
            (Pending, Running),
            (Pending, Skipped),
            (Running, Running),
            (Running, Succeeded),
            (Running, Failed),
            (Running, Skipped),
            (Failed, Running),
        ];
        for &from in StepStatus::ALL {
            for &to in StepStatus::ALL {
                let expected = allowed.contains(&(from, to));
                assert_eq!(from.can_become(to), expected, "{from} -> {to}");
            }
        }
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
