use serde::{Deserialize, Deserializer, Serialize};

use crate::conclusion::Conclusion;
use crate::run_status::RunStatus;

/// A workflow run as GitHub describes it (`GET /repos/{owner}/{repo}/actions/runs/{id}`): the
/// fields flotilla uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowRun {
    pub id: u64,
    /// The run's `name`, which a release workflow sets with `run-name` to carry its correlation
    /// id; GitHub sends `null` for some runs, read as empty.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub name: String,
    pub status: RunStatus,
    pub conclusion: Option<Conclusion>,
    pub html_url: String,
    #[serde(default)]
    pub run_number: u64,
    #[serde(default)]
    pub head_sha: String,
}

impl WorkflowRun {
    /// Whether the run's name holds `correlation` as a whole word: `flotilla abc-1` matches
    /// `abc-1` but not `abc-10`'s prefix.
    pub fn is_correlated(&self, correlation: &str) -> bool {
        !correlation.is_empty() && self.name.split_whitespace().any(|word| word == correlation)
    }
}

pub(crate) fn null_as_empty<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_github_shape_and_matches_the_correlation_as_a_word() {
        let run: WorkflowRun = serde_json::from_str(
            r#"{"id": 7, "name": "flotilla abc-1", "status": "in_progress", "conclusion": null,
                "html_url": "https://github.com/o/r/actions/runs/7", "run_number": 3,
                "head_sha": "deadbeef", "event": "workflow_dispatch"}"#,
        )
        .unwrap();
        assert_eq!(run.status, RunStatus::InProgress);
        assert_eq!(run.conclusion, None);
        assert!(run.is_correlated("abc-1"));
        assert!(!run.is_correlated("abc-10"));
        assert!(!run.is_correlated("abc"));
        let nameless: WorkflowRun = serde_json::from_str(
            r#"{"id": 8, "name": null, "status": "completed", "conclusion": "success", "html_url": ""}"#,
        )
        .unwrap();
        assert_eq!(nameless.name, "");
        assert_eq!(nameless.conclusion, Some(Conclusion::Success));
    }
}
