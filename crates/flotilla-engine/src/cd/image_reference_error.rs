use flotilla_core::Help;

/// Why `deploy image` refused an image reference; nothing was recorded or committed.
#[derive(Debug, thiserror::Error)]
pub enum ImageReferenceError {
    #[error("{reference:?} is not a valid IMAGE:TAG: {reason}")]
    Malformed { reference: String, reason: String },
    #[error("{digest:?} is not a digest")]
    MalformedDigest { digest: String },
    #[error("no repository of the fleet publishes the image {image}")]
    NotInFleet { image: String },
    #[error("{image}:{tag} is not in the registry {registry}")]
    NoSuchTag {
        image: String,
        tag: String,
        registry: String,
    },
    #[error("{image}:{tag} is {found} in the registry {registry}, not {expected}")]
    DigestMismatch {
        image: String,
        tag: String,
        expected: String,
        found: String,
        registry: String,
    },
    #[error("cannot look up {image}:{tag} in the registry {registry}: {reason}")]
    Lookup {
        image: String,
        tag: String,
        registry: String,
        reason: String,
    },
}

impl ImageReferenceError {
    /// A mistake in what was typed, as opposed to a registry that does not have it.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Self::Malformed { .. } | Self::MalformedDigest { .. } | Self::NotInFleet { .. }
        )
    }
}

impl Help for ImageReferenceError {
    fn help(&self) -> Option<String> {
        Some(
            match self {
                Self::Malformed { .. } => "write it as IMAGE:TAG, e.g. spaceone/identity:1.0.0",
                Self::MalformedDigest { .. } => {
                    "a digest is sha256: and 64 lowercase hex digits, as `skopeo inspect` prints it; or leave --digest out to take the registry's"
                }
                Self::NotInFleet { .. } => {
                    "use the image name a repository of the manifest publishes (see `flotilla manifest show`)"
                }
                Self::NoSuchTag { .. } => {
                    "publish the tag first, or check the image name and tag; nothing was recorded"
                }
                Self::DigestMismatch { .. } => {
                    "check which image you meant; leave --digest out to deploy what the tag names now"
                }
                Self::Lookup { .. } => "check that the registry is reachable and the credentials",
            }
            .to_owned(),
        )
    }
}
