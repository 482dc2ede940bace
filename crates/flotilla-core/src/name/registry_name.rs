use crate::text_newtype::text_newtype;

text_newtype! {
    /// The name of a registry declared in the manifest's `registries` (not its URL).
    RegistryName
}
