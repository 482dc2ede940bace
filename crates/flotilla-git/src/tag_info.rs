use crate::Oid;

/// A local tag and the commit it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    /// What the tag ref holds: the tag object for an annotated tag, else the commit.
    pub oid: Oid,
    pub commit: Oid,
    pub annotated: bool,
}
