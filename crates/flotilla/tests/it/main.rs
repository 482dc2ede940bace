//! End-to-end tests of the `flotilla` binary: small fleets of real bare git repositories in
//! temporary directories, the binary run on them as a user would, and the results checked with
//! independent tools (git, pip, npm, skopeo) rather than with flotilla's own view.

// Helpers outside `#[test]` functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod bad_input;
mod cancel;
mod chart_repositories;
mod cli_output;
mod commands;
mod concurrency;
mod conventions;
mod crash;
mod dashboard;
mod demo;
mod deploy_image;
mod deployments;
mod driver;
mod failures;
mod flows;
mod github_actions;
mod history;
mod idempotency;
mod import;
mod inspect;
mod notifications;
mod npm_chart_builds;
mod people;
mod plumbing;
mod python_builds;
mod real_fleet;
mod reflect;
mod registries;
mod rerun;
mod secrets;
mod serve;
mod trace;
mod version_files;
mod workflows;
