//! What asking to cancel a train did.

use flotilla_store::{Train, TrainDriver};
use serde::Serialize;

/// The answer to [`Engine::cancel`](crate::Engine::cancel).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum TrainCancel {
    /// No live process drove the train: it is now `cancelled`.
    Cancelled { train: Train },
    /// A live process drives it: the request is recorded, and that process stops the train
    /// within about a second (its running command is stopped, as Ctrl-C would).
    Requested { train: Train, driver: TrainDriver },
}

impl TrainCancel {
    pub fn train(&self) -> &Train {
        match self {
            Self::Cancelled { train } | Self::Requested { train, .. } => train,
        }
    }
}
