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
