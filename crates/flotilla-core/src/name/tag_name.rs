use crate::text_newtype::text_newtype;

text_newtype! {
    /// A tag name as on the remote, without `refs/tags/` (`v1.12.0rc1`).
    TagName
}
