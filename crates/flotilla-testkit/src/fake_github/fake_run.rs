use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::fake_github::dispatch::RunnerResult;

/// A workflow run of the fake: queued for a while, then in progress until both its duration has
/// passed and its runner has finished, then completed with the runner's conclusion; cancelled
/// at once when asked while not completed.
pub(crate) struct FakeRun {
    pub(crate) id: u64,
    pub(crate) job_id: u64,
    pub(crate) run_number: u64,
    pub(crate) owner: String,
    pub(crate) repo: String,
    pub(crate) workflow: String,
    pub(crate) name: String,
    pub(crate) git_ref: String,
    pub(crate) head_sha: String,
    pub(crate) created: Instant,
    pub(crate) created_at: SystemTime,
    pub(crate) queued_for: Duration,
    pub(crate) duration: Duration,
    /// Set by the runner's thread when it is done.
    pub(crate) result: Arc<Mutex<Option<RunnerResult>>>,
    pub(crate) cancelled: bool,
    /// When it was first seen completed, for `updated_at` and the job's `completed_at`.
    pub(crate) completed_at: Option<SystemTime>,
}

impl FakeRun {
    /// `(status, conclusion)` now.
    pub(crate) fn state(&mut self) -> (&'static str, Option<String>) {
        if self.cancelled {
            self.completed_at.get_or_insert_with(SystemTime::now);
            return ("completed", Some("cancelled".to_owned()));
        }
        let elapsed = self.created.elapsed();
        if elapsed < self.queued_for {
            return ("queued", None);
        }
        let result = self.result.lock().unwrap().clone();
        match result {
            Some(result) if elapsed >= self.queued_for + self.duration => {
                self.completed_at.get_or_insert_with(SystemTime::now);
                ("completed", Some(result.conclusion))
            }
            _ => ("in_progress", None),
        }
    }

    pub(crate) fn is_completed(&mut self) -> bool {
        self.state().0 == "completed"
    }

    pub(crate) fn log(&self) -> String {
        self.result
            .lock()
            .unwrap()
            .as_ref()
            .map(|result| result.log.clone())
            .unwrap_or_default()
    }

    /// The run as `GET /repos/{owner}/{repo}/actions/runs/{id}` shows it; `base` is the API's URL.
    pub(crate) fn json(&mut self, base: &str) -> Value {
        let (status, conclusion) = self.state();
        let repo_url = format!("{base}/repos/{}/{}", self.owner, self.repo);
        let url = format!("{repo_url}/actions/runs/{}", self.id);
        let created_at = iso(self.created_at);
        json!({
            "id": self.id,
            "name": self.name,
            "node_id": format!("WFR_fake{}", self.id),
            "head_branch": self.git_ref,
            "head_sha": self.head_sha,
            "path": format!(".github/workflows/{}", self.workflow),
            "display_title": self.name,
            "run_number": self.run_number,
            "event": "workflow_dispatch",
            "status": status,
            "conclusion": conclusion,
            "workflow_id": workflow_id(&self.workflow),
            "url": url,
            "html_url": format!("https://github.com/{}/{}/actions/runs/{}", self.owner, self.repo, self.id),
            "created_at": created_at,
            "updated_at": self.completed_at.map_or_else(|| created_at.clone(), iso),
            "run_attempt": 1,
            "run_started_at": created_at,
            "jobs_url": format!("{url}/jobs"),
            "logs_url": format!("{url}/logs"),
            "cancel_url": format!("{url}/cancel"),
            "rerun_url": format!("{url}/rerun"),
            "workflow_url": format!("{repo_url}/actions/workflows/{}", workflow_id(&self.workflow)),
            "repository": {
                "name": self.repo,
                "full_name": format!("{}/{}", self.owner, self.repo),
                "owner": { "login": self.owner },
            },
        })
    }

    /// The run's one job, as `GET …/runs/{id}/jobs` lists it.
    pub(crate) fn job_json(&mut self, base: &str, job_name: &str) -> Value {
        let (status, conclusion) = self.state();
        json!({
            "id": self.job_id,
            "run_id": self.id,
            "run_url": format!("{base}/repos/{}/{}/actions/runs/{}", self.owner, self.repo, self.id),
            "node_id": format!("CR_fake{}", self.job_id),
            "head_sha": self.head_sha,
            "url": format!("{base}/repos/{}/{}/actions/jobs/{}", self.owner, self.repo, self.job_id),
            "html_url": format!("https://github.com/{}/{}/actions/runs/{}/job/{}", self.owner, self.repo, self.id, self.job_id),
            "status": status,
            "conclusion": conclusion,
            "created_at": iso(self.created_at),
            "started_at": iso(self.created_at),
            "completed_at": self.completed_at.map(iso),
            "name": job_name,
            "steps": [],
            "labels": ["ubuntu-latest"],
            "runner_name": "fake-runner",
            "workflow_name": self.name,
            "head_branch": self.git_ref,
        })
    }
}

/// A stable number per workflow file, as GitHub gives each workflow an id.
fn workflow_id(file: &str) -> u64 {
    file.bytes().fold(1_000_u64, |id, byte| {
        id.wrapping_mul(31).wrapping_add(u64::from(byte))
    }) % 100_000_000
}

/// GitHub's timestamps: `2026-01-02T03:04:05Z`.
pub(crate) fn iso(time: SystemTime) -> String {
    jiff::Timestamp::try_from(time)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
