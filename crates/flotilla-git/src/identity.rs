/// The name and email that git records as author, committer and tagger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

impl Identity {
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            email: email.into(),
        }
    }
}

impl Default for Identity {
    /// Used when neither the `Git` handle nor the user's git configuration names anyone.
    fn default() -> Self {
        Self::new("flotilla", "flotilla@localhost")
    }
}
