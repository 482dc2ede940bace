//! flotilla's engine: executes plans against git, registries and notification targets, with
//! durable state for resume.

// cd.rs still imports `Store` for the store's methods, which the `dyn Store` the workspace now
// holds provides without it; the cd/ split (issue 9) drops that import.
#[allow(unused_imports)]
mod cd;
mod chart_repository;
pub mod demo;
mod engine;
mod engine_error;
mod event_processor;
pub mod facts;
pub mod fleet_event;
mod fleet_status;
pub mod notifier;
pub mod progress;
pub mod publisher;
pub mod redactor;
mod registry_poller;
mod run_context;
mod step_log;
mod workspace;

pub use engine::{Engine, RunSummary, TrainSummary, build_stamp};
pub use engine_error::EngineError;
pub use event_processor::EventOutcome;
pub use fleet_event::FleetEvent;
pub use fleet_status::{ArtifactLine, RepoStatus, fleet_status};
pub use flotilla_store::{SqliteStore, Store, Train};
pub use progress::{Progress, ProgressSink};
pub use registry_poller::PollState;
pub use run_context::{RunContext, StepFailure, StepOutput};
pub use workspace::Workspace;
