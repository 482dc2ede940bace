use std::collections::BTreeMap;

/// A `workflow_dispatch` the fake GitHub received, as its runner closure sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    pub owner: String,
    pub repo: String,
    /// The workflow file name, e.g. `flotilla-release.yml`.
    pub workflow: String,
    pub git_ref: String,
    pub inputs: BTreeMap<String, String>,
    /// The run it created; `None` when the fake was told to lose it.
    pub run_id: Option<u64>,
}

/// What the fake's "runner" made of a run: its conclusion (`success`, `failure`, …) and the
/// job's log text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerResult {
    pub conclusion: String,
    pub log: String,
}

impl RunnerResult {
    pub fn success(log: impl Into<String>) -> Self {
        Self {
            conclusion: "success".to_owned(),
            log: log.into(),
        }
    }

    pub fn failure(log: impl Into<String>) -> Self {
        Self {
            conclusion: "failure".to_owned(),
            log: log.into(),
        }
    }
}
