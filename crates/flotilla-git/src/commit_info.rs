use crate::Oid;

/// Who wrote a commit and what it says, for notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub oid: Oid,
    pub author_name: String,
    pub author_email: String,
    /// The first line of the message.
    pub subject: String,
}
