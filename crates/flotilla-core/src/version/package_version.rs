use crate::text_newtype::text_newtype;

text_newtype! {
    /// A [`Version`](crate::Version) as one ecosystem spells it: PEP 440 for Python, SemVer for
    /// npm and charts, the Docker tag for an image's app version. It stays text because each
    /// spelling is a rendering the registries compare as text, not a version flotilla orders.
    PackageVersion
}
