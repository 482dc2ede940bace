use crate::text_newtype::text_newtype;

text_newtype! {
    /// A branch name as on the remote, without `refs/heads/` (`master`, `release-1.12.0`).
    BranchName
}
