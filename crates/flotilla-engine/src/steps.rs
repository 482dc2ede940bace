//! Steps: what one step of a run does, each kind in its own file, executed through the
//! [`StepExecutor`](step_executor::StepExecutor) seam.

pub mod chart_repository;
pub mod chart_repository_error;
pub mod create_branch;
pub mod image_builder;
pub mod local_executor;
pub mod mirror_state;
pub mod publish;
pub mod publish_chart;
pub mod publish_image;
pub mod publish_npm;
pub mod publish_python;
pub mod publish_target;
pub mod published;
pub mod reflect;
pub mod run_command;
pub mod run_context;
pub mod run_setup;
pub mod set_version;
pub mod step_error;
pub mod step_executor;
pub mod step_log;
pub mod step_output;
pub mod strip_paths;
pub mod tag_and_push;
pub mod target_error;
