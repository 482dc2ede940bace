use jiff::Timestamp;
use serde::Serialize;

use crate::text_enum::text_enum;
use crate::{Id, Step};

text_enum! {
    /// Where a run is in its life.
    pub enum RunStatus {
        Pending => "pending",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        /// Not started because something it depends on failed (see `blocked_by`).
        Blocked => "blocked",
        Skipped => "skipped",
        Cancelled => "cancelled",
    }
}

impl RunStatus {
    /// Done runs are never started again; every other run is what `resume` still has to finish.
    pub fn is_done(self) -> bool {
        matches!(self, Self::Succeeded | Self::Skipped)
    }

    /// Whether a run that ran may end in this status
    /// ([`RunStore::run_finished`](crate::RunStore::run_finished)).
    pub fn is_outcome(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Skipped | Self::Cancelled
        )
    }

    /// Whether a run in this status may move to `next`: a done run never moves again, and no
    /// run goes back to `pending`. Any other (failed, blocked, cancelled, or running after a
    /// crash) may start again, end or be blocked.
    pub fn can_become(self, next: Self) -> bool {
        !self.is_done() && next != Self::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::RunStatus::{
        self, Blocked, Cancelled, Failed, Pending, Running, Skipped, Succeeded,
    };

    #[test]
    fn transitions() {
        let allowed_from_unfinished = [Running, Succeeded, Failed, Blocked, Skipped, Cancelled];
        for from in [Pending, Running, Failed, Blocked, Cancelled] {
            for &to in RunStatus::ALL {
                let expected = allowed_from_unfinished.contains(&to);
                assert_eq!(from.can_become(to), expected, "{from} -> {to}");
            }
        }
        for from in [Succeeded, Skipped] {
            for &to in RunStatus::ALL {
                assert!(!from.can_become(to), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn outcomes() {
        let outcomes: Vec<RunStatus> = RunStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_outcome())
            .collect();
        assert_eq!(outcomes, [Succeeded, Failed, Skipped, Cancelled]);
    }
}

/// One pipeline on one repository for one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub id: Id,
    /// `None` for a run that is not part of a train (a single push, a webhook).
    pub train_id: Option<Id>,
    pub repo: String,
    pub event: String,
    pub version: String,
    pub wave: u32,
    pub status: RunStatus,
    pub blocked_by: Option<String>,
    pub error: Option<String>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
}

/// What [`Store::create_run`](crate::Store::create_run) records; the run starts `pending`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    pub train_id: Option<Id>,
    pub repo: String,
    pub event: String,
    pub version: String,
    pub wave: u32,
}

/// A run with the last step that left `pending` (the one it is on, or stopped at).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunWithLastStep {
    pub run: Run,
    pub last_step: Option<Step>,
}
