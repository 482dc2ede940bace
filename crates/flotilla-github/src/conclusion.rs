use std::fmt;

use serde::{Deserialize, Serialize};

/// The `conclusion` of a completed workflow run or job. A value GitHub adds later is kept as
/// `Other`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Conclusion {
    Success,
    Failure,
    Cancelled,
    TimedOut,
    Skipped,
    Neutral,
    ActionRequired,
    StartupFailure,
    Stale,
    Other(String),
}

impl Conclusion {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Cancelled => "cancelled",
            Self::TimedOut => "timed_out",
            Self::Skipped => "skipped",
            Self::Neutral => "neutral",
            Self::ActionRequired => "action_required",
            Self::StartupFailure => "startup_failure",
            Self::Stale => "stale",
            Self::Other(other) => other,
        }
    }

    pub fn is_success(&self) -> bool {
        *self == Self::Success
    }
}

impl From<String> for Conclusion {
    fn from(text: String) -> Self {
        match text.as_str() {
            "success" => Self::Success,
            "failure" => Self::Failure,
            "cancelled" => Self::Cancelled,
            "timed_out" => Self::TimedOut,
            "skipped" => Self::Skipped,
            "neutral" => Self::Neutral,
            "action_required" => Self::ActionRequired,
            "startup_failure" => Self::StartupFailure,
            "stale" => Self::Stale,
            _ => Self::Other(text),
        }
    }
}

impl From<Conclusion> for String {
    fn from(conclusion: Conclusion) -> Self {
        conclusion.as_str().to_owned()
    }
}

impl fmt::Display for Conclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_read_back_as_they_were() {
        for text in ["success", "failure", "cancelled", "timed_out", "new_kind"] {
            assert_eq!(Conclusion::from(text.to_owned()).as_str(), text);
        }
        assert_eq!(
            Conclusion::from("timed_out".to_owned()),
            Conclusion::TimedOut
        );
    }
}
