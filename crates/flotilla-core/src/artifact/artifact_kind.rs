use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::fleet::RegistryKind;

/// The ecosystem of an artifact. The text (`image`, `python`, `npm`, `chart`) is what the store
/// keeps and what plans and `flotilla artifacts` show, so it never changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    /// An OCI image.
    Image,
    /// A Python sdist and wheel.
    Python,
    /// An npm package tarball.
    Npm,
    /// A Helm chart.
    Chart,
}

impl ArtifactKind {
    /// Every kind, in declaration order (metrics report each, zeros included).
    pub const ALL: &[Self] = &[Self::Image, Self::Python, Self::Npm, Self::Chart];

    /// The stored and displayed text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Python => "python",
            Self::Npm => "npm",
            Self::Chart => "chart",
        }
    }

    /// The kind whose text is `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no [`ArtifactKind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown artifact kind {text:?}")]
pub struct UnknownArtifactKind {
    pub text: String,
}

impl crate::help::Help for UnknownArtifactKind {
    fn help(&self) -> Option<String> {
        Some("use one of image, python, npm, chart".to_owned())
    }
}

impl FromStr for ArtifactKind {
    type Err = UnknownArtifactKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text).ok_or_else(|| UnknownArtifactKind {
            text: text.to_owned(),
        })
    }
}

/// The manifest names registry kinds after the ecosystem's service (`pypi`); each holds exactly
/// one kind of artifact.
impl From<RegistryKind> for ArtifactKind {
    fn from(kind: RegistryKind) -> Self {
        match kind {
            RegistryKind::Image => Self::Image,
            RegistryKind::Pypi => Self::Python,
            RegistryKind::Npm => Self::Npm,
            RegistryKind::Chart => Self::Chart,
        }
    }
}

impl From<ArtifactKind> for RegistryKind {
    fn from(kind: ArtifactKind) -> Self {
        match kind {
            ArtifactKind::Image => Self::Image,
            ArtifactKind::Python => Self::Pypi,
            ArtifactKind::Npm => Self::Npm,
            ArtifactKind::Chart => Self::Chart,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_through_display_parse_and_serde() {
        for kind in ArtifactKind::ALL {
            assert_eq!(kind.to_string().parse::<ArtifactKind>(), Ok(*kind));
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<ArtifactKind>(&json).unwrap(), *kind);
        }
        let err = "helm".parse::<ArtifactKind>().unwrap_err();
        assert_eq!(err.to_string(), "unknown artifact kind \"helm\"");
        assert_eq!(
            crate::help::Help::help(&err).as_deref(),
            Some("use one of image, python, npm, chart")
        );
    }

    #[test]
    fn each_registry_kind_holds_one_artifact_kind() {
        for kind in ArtifactKind::ALL {
            assert_eq!(ArtifactKind::from(RegistryKind::from(*kind)), *kind);
        }
        assert_eq!(RegistryKind::from(ArtifactKind::Python), RegistryKind::Pypi);
    }
}
