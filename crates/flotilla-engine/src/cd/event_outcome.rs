use flotilla_store::EventStatus;
use serde::Serialize;

/// What processing one event (or one polled tag) did.
#[derive(Debug, Clone, Serialize)]
pub struct EventOutcome {
    pub status: EventStatus,
    pub detail: String,
    /// Trains the event started.
    pub trains: Vec<String>,
    /// Deployments the event created.
    pub deployments: Vec<String>,
}

impl EventOutcome {
    pub(crate) fn ignored(detail: impl Into<String>) -> Self {
        Self {
            status: EventStatus::Ignored,
            detail: detail.into(),
            trains: Vec::new(),
            deployments: Vec::new(),
        }
    }
}
