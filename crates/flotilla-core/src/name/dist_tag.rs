use crate::text_newtype::text_newtype;

text_newtype! {
    /// An npm dist-tag (`latest`, `rc`, `dev`): what `npm install NAME@TAG` resolves.
    DistTag
}
