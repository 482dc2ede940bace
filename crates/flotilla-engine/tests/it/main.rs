//! Integration tests of the engine through its public API, without the binary: fleets of real
//! bare repositories built by the testkit, local registry directories, a real deploy
//! repository, and the store read through the workspace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod approval;
mod deploy_fleet;
mod github_actions_executor;
mod gitops;
mod leases;
mod notifier;
mod recorder;
mod rollback;
mod step_executor;
mod support;
mod waves;
mod workflows;
