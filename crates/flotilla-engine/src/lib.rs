//! flotilla's engine: executes plans against git, registries and notification targets, with
//! durable state for resume.

mod cd;
mod chart_repository;
pub mod demo;
mod engine;
mod engine_error;
pub mod facts;
pub mod fleet_event;
mod fleet_status;
pub mod notifier;
pub mod progress;
pub mod publisher;
pub mod redactor;
mod remote_url;
mod run_context;
mod step_log;
mod workspace;

pub use cd::event_outcome::EventOutcome;
pub use cd::poll_state::PollState;
pub use engine::{Engine, RunSummary, TrainSummary, build_stamp};
pub use engine_error::EngineError;
pub use fleet_event::FleetEvent;
pub use fleet_status::{ArtifactLine, RepoStatus, fleet_status};
pub use flotilla_store::{SqliteStore, Store, Train};
pub use progress::{Progress, ProgressSink};
pub use run_context::{RunContext, StepFailure, StepOutput};
pub use workspace::Workspace;
