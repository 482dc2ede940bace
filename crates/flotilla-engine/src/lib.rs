//! flotilla's engine: executes plans against git, registries and notification targets, with
//! durable state for resume.

mod blocking;
mod cd;
pub mod command_env;
pub mod demo;
mod engine;
mod engine_error;
pub mod facts;
pub mod fleet_event;
mod fleet_status;
pub mod import;
pub mod notifier;
pub mod progress;
pub mod redactor;
mod remote_url;
mod run_outcome;
mod step_runner;
mod steps;
pub mod trace;
mod train;
pub mod workflows;
mod workspace;

pub use cd::event_outcome::EventOutcome;
pub use cd::poll_state::PollState;
pub use engine::{Engine, build_stamp};
pub use engine_error::EngineError;
pub use fleet_event::FleetEvent;
pub use fleet_status::{ArtifactLine, RepoStatus, fleet_status};
/// Word from GitHub's webhooks that a workflow run changed: the executor's wait on it polls now.
pub use flotilla_github::nudge as nudge_workflow_run;
pub use flotilla_store::{SqliteStore, Store, Train};
pub use progress::{Progress, ProgressSink};
pub use run_outcome::RunOutcome;
pub use step_runner::StepRunner;
pub use steps::artifact_report::ArtifactReport;
pub use steps::github_actions_executor::GithubActionsExecutor;
pub use steps::local_executor::LocalExecutor;
pub use steps::mirror_state::MirrorState;
pub use steps::published::Published;
pub use steps::run_context::RunContext;
pub use steps::run_setup::RunSetup;
pub use steps::step_error::{StepError, StepErrorKind};
pub use steps::step_executor::StepExecutor;
pub use steps::step_log::StepLog;
pub use steps::step_output::StepOutput;
pub use steps::workflow_runs::{
    GithubRepo, WorkflowConclusion, WorkflowError, WorkflowRun, WorkflowRunStatus, WorkflowRuns,
};
pub use trace::{Trace, TraceApproval, TraceOrigin, TraceQuery, TraceTrain};
pub use train::train_cancel::TrainCancel;
pub use train::train_overview::{DriverState, TrainOverview};
pub use train::train_summary::{RunSummary, TrainSummary};
pub use workspace::Workspace;
