//! What the engine reports while it works; the binary turns it into progress bars or lines.

use std::sync::Arc;

use flotilla_store::{RunStatus, TrainStatus};
use serde::Serialize;

/// One thing that happened during a train.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Progress {
    TrainStarted {
        train: String,
        runs: usize,
        waves: usize,
    },
    WaveStarted {
        wave: usize,
        repos: Vec<String>,
        max_parallel: usize,
    },
    GateWaiting {
        wave: usize,
        artifacts: Vec<String>,
    },
    RunStarted {
        repo: String,
        steps: usize,
    },
    StepStarted {
        repo: String,
        index: usize,
        step: String,
        summary: String,
    },
    RunFinished {
        repo: String,
        status: RunStatus,
        error: Option<String>,
    },
    TrainFinished {
        train: String,
        status: TrainStatus,
    },
}

/// A sink for progress; cheap to clone.
pub type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

/// A sink that drops everything.
pub fn silent() -> ProgressSink {
    Arc::new(|_| {})
}
