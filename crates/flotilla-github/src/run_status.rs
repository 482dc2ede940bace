use std::fmt;

use serde::{Deserialize, Serialize};

/// The `status` of a workflow run or job. A value GitHub adds later is kept as `Other`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum RunStatus {
    Requested,
    Queued,
    Pending,
    Waiting,
    InProgress,
    Completed,
    Other(String),
}

impl RunStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Requested => "requested",
            Self::Queued => "queued",
            Self::Pending => "pending",
            Self::Waiting => "waiting",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Other(other) => other,
        }
    }

    pub fn is_completed(&self) -> bool {
        *self == Self::Completed
    }
}

impl From<String> for RunStatus {
    fn from(text: String) -> Self {
        match text.as_str() {
            "requested" => Self::Requested,
            "queued" => Self::Queued,
            "pending" => Self::Pending,
            "waiting" => Self::Waiting,
            "in_progress" => Self::InProgress,
            "completed" => Self::Completed,
            _ => Self::Other(text),
        }
    }
}

impl From<RunStatus> for String {
    fn from(status: RunStatus) -> Self {
        status.as_str().to_owned()
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_read_back_as_they_were() {
        for text in ["queued", "in_progress", "completed", "waiting", "brand_new"] {
            let status = RunStatus::from(text.to_owned());
            assert_eq!(status.as_str(), text);
        }
        assert_eq!(
            RunStatus::from("brand_new".to_owned()),
            RunStatus::Other("brand_new".to_owned())
        );
    }
}
