use std::fmt;

/// Why a deployment record exists. Stored as text (the store's `trigger` column, shown by
/// `flotilla deploy history` and the API) with the words flotilla has always written, so that
/// databases written before this type existed read back the same; parsed once, where a
/// deployment is requested or read, instead of matching prefixes wherever it matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeploymentTrigger {
    /// A train published the image to a registry that cannot notify (`published by train ID`).
    Published { train: String },
    /// A stored event reported the image (`SOURCE event ID`, e.g. `registry event 01H…`).
    Event { source: String, event: String },
    /// Polling a registry's tag list found the tag (`registry poll`).
    RegistryPoll,
    /// Someone ran `flotilla deploy image` (`manual by USER`).
    Manual { by: String },
    /// Someone asked to go back to the version before (`rollback by USER`).
    Rollback { by: String },
    /// Text no version of flotilla wrote; kept verbatim.
    Other(String),
}

impl DeploymentTrigger {
    /// Reads stored text; anything unknown is [`DeploymentTrigger::Other`], never an error, since
    /// the text is history and only has to be shown again.
    pub fn parse(text: &str) -> Self {
        if text == "registry poll" {
            return Self::RegistryPoll;
        }
        if let Some(train) = text.strip_prefix("published by train ") {
            return Self::Published {
                train: train.to_owned(),
            };
        }
        if let Some(by) = text.strip_prefix("manual by ") {
            return Self::Manual { by: by.to_owned() };
        }
        if let Some(by) = text.strip_prefix("rollback by ") {
            return Self::Rollback { by: by.to_owned() };
        }
        // Event sources are single words (`git`, `registry`, `github`).
        if let Some((source, event)) = text.split_once(" event ")
            && !source.is_empty()
            && !source.contains(' ')
            && !event.is_empty()
        {
            return Self::Event {
                source: source.to_owned(),
                event: event.to_owned(),
            };
        }
        Self::Other(text.to_owned())
    }

    /// A rollback is a person's decision to go back: it skips approval and its deploy commit
    /// says so.
    pub fn is_rollback(&self) -> bool {
        matches!(self, Self::Rollback { .. })
    }
}

/// The stored text.
impl fmt::Display for DeploymentTrigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Published { train } => write!(f, "published by train {train}"),
            Self::Event { source, event } => write!(f, "{source} event {event}"),
            Self::RegistryPoll => f.write_str("registry poll"),
            Self::Manual { by } => write!(f, "manual by {by}"),
            Self::Rollback { by } => write!(f, "rollback by {by}"),
            Self::Other(text) => f.write_str(text),
        }
    }
}

impl From<&str> for DeploymentTrigger {
    fn from(text: &str) -> Self {
        Self::parse(text)
    }
}
