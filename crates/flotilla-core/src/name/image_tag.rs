use crate::text_newtype::text_newtype;

text_newtype! {
    /// A tag an image is pushed under (`1.12.0rc1`, `latest`); not a git tag.
    ImageTag
}
