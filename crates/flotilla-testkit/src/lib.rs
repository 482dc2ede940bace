//! What flotilla's tests share, so that each exists once: servers started as child processes
//! and the registries they provide, free ports, git run isolated from the user's settings,
//! fleets of bare repositories in a sandbox, waits on conditions (never fixed sleeps), the
//! data-driven fixture runner and the filters that make CLI snapshots deterministic.
//!
//! Everything here panics on failure, like the tests that use it: a setup that cannot be
//! built is a failed test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
mod endpoint;
pub mod fake_github;
pub mod fixtures;
mod fleet;
mod git;
mod http_probe;
mod outcome;
mod port;
pub mod real_fleet;
mod registries;
mod run;
mod sandbox;
mod seed_shaped;
mod server;
pub mod services;
mod snapshot;
mod snapshot_filters;
pub mod wait;

pub use endpoint::Endpoint;
pub use fake_github::FakeGithub;
pub use fleet::{Fleet, INITIAL_VERSION};
pub use git::Git;
pub use http_probe::http_status;
pub use outcome::Outcome;
pub use port::free_port;
pub use registries::Registries;
pub use run::run;
pub use sandbox::Sandbox;
pub use seed_shaped::{HistoryStep, ShapedRepo, seed_shaped, version_files_shaped};
pub use server::Server;
pub use snapshot::Snapshot;
pub use snapshot_filters::SnapshotFilters;
