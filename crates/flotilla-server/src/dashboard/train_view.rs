use std::collections::BTreeMap;

use flotilla_engine::TrainSummary;
use flotilla_store::RunStatus;
use serde::Serialize;

/// A train as its page shows it: waves, and per repository one state a person reads at a
/// glance. The page and its live updates render the same view, so that what arrives over the
/// event stream is what a reload would show.
#[derive(Serialize, PartialEq)]
pub(crate) struct TrainView {
    pub id: String,
    pub kind: String,
    pub version: String,
    pub status: String,
    pub active: bool,
    pub driver: Option<String>,
    pub waves: Vec<WaveView>,
}

#[derive(Serialize, PartialEq)]
pub(crate) struct WaveView {
    pub number: u32,
    pub state: String,
    pub repos: Vec<RepoView>,
}

#[derive(Serialize, PartialEq)]
pub(crate) struct RepoView {
    pub repo: String,
    pub run: String,
    pub version: String,
    /// queued, running, waiting, blocked, failed, done, skipped, cancelled.
    pub state: &'static str,
    /// The state in words: "failed at publish-image: …", "blocked by identity".
    pub detail: String,
}

impl TrainView {
    pub(crate) fn of(summary: &TrainSummary) -> Self {
        let mut waves: BTreeMap<u32, Vec<&flotilla_engine::RunSummary>> = BTreeMap::new();
        for run in &summary.runs {
            waves.entry(run.wave).or_default().push(run);
        }
        let active = summary.status.is_active();
        let mut earlier_done = true;
        let mut views = Vec::new();
        for (wave, runs) in waves {
            let repos: Vec<RepoView> = runs
                .iter()
                .map(|run| RepoView::of(run, active, earlier_done))
                .collect();
            let state = wave_state(&repos);
            earlier_done =
                earlier_done && repos.iter().all(|r| matches!(r.state, "done" | "skipped"));
            views.push(WaveView {
                number: wave + 1,
                state,
                repos,
            });
        }
        Self {
            id: summary.train.clone(),
            kind: summary.kind.to_string(),
            version: summary.version.clone(),
            status: summary.status.to_string(),
            active,
            driver: summary.driver.as_ref().map(ToString::to_string),
            waves: views,
        }
    }
}

impl RepoView {
    fn of(run: &flotilla_engine::RunSummary, active: bool, earlier_done: bool) -> Self {
        let step = run.last_step.clone().unwrap_or_default();
        let error = run
            .error
            .as_deref()
            .and_then(|e| e.lines().next())
            .unwrap_or_default()
            .to_owned();
        let (state, detail) = match run.status {
            RunStatus::Pending if !active => ("queued", "not started".to_owned()),
            RunStatus::Pending if earlier_done => (
                "waiting",
                "waiting on the gate: the earlier waves' artifacts in their registries".to_owned(),
            ),
            RunStatus::Pending => ("queued", "queued behind an earlier wave".to_owned()),
            RunStatus::Running => ("running", format!("at step {step}")),
            RunStatus::Blocked => (
                "blocked",
                format!(
                    "blocked by {}",
                    run.blocked_by.as_deref().unwrap_or("a failed dependency")
                ),
            ),
            RunStatus::Failed => ("failed", format!("failed at {step}: {error}")),
            RunStatus::Succeeded => ("done", "done".to_owned()),
            RunStatus::Skipped => ("skipped", "skipped: nothing to do".to_owned()),
            RunStatus::Cancelled => ("cancelled", format!("cancelled at {step}")),
        };
        Self {
            repo: run.repo.clone(),
            run: run.run.clone(),
            version: run.version.clone(),
            state,
            detail,
        }
    }
}

fn wave_state(repos: &[RepoView]) -> String {
    let count = |state: &str| repos.iter().filter(|r| r.state == state).count();
    let done = count("done") + count("skipped");
    if done == repos.len() {
        "done".to_owned()
    } else if count("failed") + count("blocked") > 0 {
        format!("{} failed or blocked", count("failed") + count("blocked"))
    } else if count("running") > 0 {
        format!(
            "{done} of {} done, {} running",
            repos.len(),
            count("running")
        )
    } else {
        format!("{done} of {} done", repos.len())
    }
}
