//! An engine over a testkit fleet, and the requests the tests make.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use flotilla_core::Version;
use flotilla_core::plan::Request;
use flotilla_engine::{Engine, ProgressSink, RunSummary, TrainSummary, Workspace};
use flotilla_testkit::Sandbox;

/// An engine on the sandbox's manifest and state, reporting to `progress`. Two engines on one
/// sandbox share the state as two processes would.
pub async fn engine(sandbox: &Sandbox, progress: ProgressSink) -> Engine {
    let text = std::fs::read_to_string(sandbox.manifest()).unwrap();
    let fleet = flotilla_core::manifest::load("flotilla.yaml", &text)
        .unwrap_or_else(|e| panic!("manifest refused:\n{e}\n{text}"));
    let workspace = Workspace::open(fleet, &sandbox.manifest()).await.unwrap();
    Engine::new(workspace, progress, Arc::new(AtomicBool::new(false)))
}

pub fn release_start(line: &str) -> Request {
    Request::ReleaseStart {
        line: Version::parse(line).unwrap(),
        repos: Vec::new(),
    }
}

pub fn push(repo: &str) -> Request {
    Request::Push {
        repo: repo.to_owned(),
    }
}

/// The run of `repo` in a train.
#[track_caller]
pub fn run<'a>(summary: &'a TrainSummary, repo: &str) -> &'a RunSummary {
    summary
        .runs
        .iter()
        .find(|r| r.repo == repo)
        .unwrap_or_else(|| panic!("{repo} is not in the train: {summary:#?}"))
}
