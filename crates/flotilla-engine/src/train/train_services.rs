//! What every part of a running train uses.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::notifier::Notifier;
use crate::progress::ProgressSink;
use crate::steps::step_executor::StepExecutor;
use crate::train::published_listener::PublishedListener;
use crate::workspace::Workspace;

/// The train runner's collaborators; cheap to clone (into each run's task).
#[derive(Clone)]
pub struct TrainServices {
    pub workspace: Workspace,
    pub progress: ProgressSink,
    pub cancel: Arc<AtomicBool>,
    pub notifier: Notifier,
    pub executor: Arc<dyn StepExecutor>,
    pub on_published: Arc<dyn PublishedListener>,
    /// Who starts the trains (recorded with each new one).
    pub actor: Option<String>,
}

impl TrainServices {
    /// Whether the user cancelled the train.
    /// A failure's text as it may be stored and shown: every secret flotilla knows redacted.
    /// Every failure a runner records goes through here, not only a step's.
    pub fn failure_text(&self, err: &impl std::fmt::Display) -> String {
        self.workspace
            .redactor
            .redact(&err.to_string())
            .into_owned()
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}
