//! The release plan: given the fleet, a request and facts about the repositories, exactly what
//! will happen, in which order, with every value computed. Pure: `flotilla plan` prints it and
//! the engine executes it, so what a user reviews is what runs.
//!
//! A request names a [`Flow`]; each flow has its file under `plan/flows/` (push, release
//! branch, tag, dev, hotfix, reflect). Planning checks the request (`request_check`), selects
//! the repositories (`selection`), runs the flow for each, and orders the runs into waves with
//! their gates (`order`, `gate`).

mod command_steps;
mod facts;
mod flow;
mod flows;
mod gate;
mod order;
mod planned_command;
mod planner;
mod publish_steps;
mod refusal;
mod repo_run;
mod request;
mod request_check;
mod runner_steps;
mod selection;
mod skipped;
mod step;
mod tag_checks;
mod tagged_artifacts;
mod tagged_version;
mod tagging;
mod version_edits;
mod wave;
mod waves;

use serde::{Deserialize, Serialize};

pub use crate::artifact::ArtifactRef;
pub use facts::{Facts, RepoFacts};
pub use flow::Flow;
pub use gate::artifact_of;
pub use planned_command::PlannedCommand;
pub use publish_steps::dist_tag;
pub use refusal::{PlanError, Refusal};
pub use repo_run::RepoRun;
pub use request::Request;
pub use runner_steps::{runner_step_name, runner_steps, runs_on_runner};
pub use skipped::Skipped;
pub use step::Step;
pub use tagged_artifacts::tagged_artifacts;
pub use tagged_version::TaggedVersion;
pub use wave::Wave;

use crate::fleet::{Fleet, Repo};
use planner::Planner;

/// What a request will do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub request: Request,
    pub waves: Vec<Wave>,
    /// Every repository's run, in wave order.
    pub runs: Vec<RepoRun>,
    /// Repositories the request leaves alone, and why.
    pub skipped: Vec<Skipped>,
}

/// Computes the plan for `request`, or every reason it cannot run.
pub fn plan(fleet: &Fleet, request: &Request, facts: &Facts) -> Result<Plan, PlanError> {
    let mut planner = Planner::new(fleet, facts);
    request_check::check_request(&mut planner, request);
    let selected = selection::select(&mut planner, request);
    let flow = Flow::of(request);
    let mut runs = Vec::new();
    for repo in &selected {
        if let Some(run) = flow.plan(&mut planner, repo) {
            runs.push(run);
        }
    }
    if planner.refusals.is_empty() && runs.is_empty() {
        planner.refuse(
            None,
            format!("the {} request applies to no repository", request.kind()),
            Some("check the repositories' categories and events with `flotilla check`".into()),
        );
    }
    if !planner.refusals.is_empty() {
        return Err(PlanError {
            refusals: planner.refusals,
        });
    }
    let included: Vec<&Repo> = selected
        .iter()
        .copied()
        .filter(|r| runs.iter().any(|run| run.repo == r.name))
        .collect();
    let (waves, runs) = order::order(&included, runs);
    Ok(Plan {
        request: request.clone(),
        waves,
        runs,
        skipped: planner.skipped,
    })
}
