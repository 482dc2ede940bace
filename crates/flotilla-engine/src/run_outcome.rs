//! How a run ended, as its notification says it: the original's Slack card and webhook carry
//! `success` or `failure`, not the store's run statuses.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    Success,
    Failure,
    /// Succeeded with nothing to do: everything the run was asked for was already done (a
    /// release started again). Says so, rather than "success", which reads as a new release.
    Unchanged,
}

impl RunOutcome {
    /// The text the notification carries.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Unchanged => "unchanged",
        }
    }
}

impl std::fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::RunOutcome;

    #[test]
    fn serializes_as_the_notified_text() {
        for outcome in [
            RunOutcome::Success,
            RunOutcome::Failure,
            RunOutcome::Unchanged,
        ] {
            assert_eq!(
                serde_json::to_value(outcome).ok(),
                Some(serde_json::Value::from(outcome.as_str()))
            );
        }
    }
}
