/// What a release sets in a chart as it is packaged: `version` and `appVersion` of
/// `Chart.yaml`, and optionally the image tag in `values.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartRelease {
    /// The chart's `version` (`SemVer`).
    pub version: String,
    /// The chart's `appVersion`, usually the image version.
    pub app_version: String,
    /// The value of `values.yaml` pinned to the release's image tag.
    pub image_tag: Option<ImageTagPin>,
}

/// A scalar of `values.yaml`, at a dotted key such as `image.version`, set to an image tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageTagPin {
    /// Dot-separated mapping keys (`image.version`, `identity.image.tag`).
    pub key: String,
    pub tag: String,
    /// When false, a chart whose `values.yaml` has no such key is packaged as it is (the
    /// default key of charts that do not name one); when true that is an error.
    pub required: bool,
}

impl ChartRelease {
    /// `version` and `appVersion` only; `values.yaml` is packaged as written.
    pub fn new(version: &str, app_version: &str) -> Self {
        Self {
            version: version.to_owned(),
            app_version: app_version.to_owned(),
            image_tag: None,
        }
    }

    /// Pins the scalar at `key` in `values.yaml` to `tag`.
    #[must_use]
    pub fn with_image_tag(mut self, key: &str, tag: &str, required: bool) -> Self {
        self.image_tag = Some(ImageTagPin {
            key: key.to_owned(),
            tag: tag.to_owned(),
            required,
        });
        self
    }
}
