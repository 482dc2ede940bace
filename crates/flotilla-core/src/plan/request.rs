//! What a user asks flotilla to do.

use serde::{Deserialize, Serialize};

use crate::version::Version;

/// A fleet operation, as typed on the command line or received from a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "kebab-case")]
pub enum Request {
    /// Cut `release-x.y.z` in every repository and tag `x.y.zrc1`.
    ReleaseStart { line: Version, repos: Vec<String> },
    /// Tag a version (an rc, a final, a dev version of a core library, or a hotfix).
    ReleaseTag {
        version: Version,
        repos: Vec<String>,
        /// Publish again a version that is already tagged (the original's "redeploy",
        /// REFERENCE.md §A, branch tagging).
        republish: bool,
    },
    /// Tag the final `x.y.z` on every release branch of the line.
    ReleaseFinal { line: Version, repos: Vec<String> },
    /// Tag `x.y.z.N` on `release-x.y.z` of the named repositories.
    ReleaseHotfix {
        version: Version,
        repos: Vec<String>,
    },
    /// A push to one repository's default branch: build and publish a dev image.
    Push { repo: String },
}

impl Request {
    /// A short name for the kind of operation, as stored with a train.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ReleaseStart { .. } => "release-start",
            Self::ReleaseTag { .. } => "release-tag",
            Self::ReleaseFinal { .. } => "release-final",
            Self::ReleaseHotfix { .. } => "release-hotfix",
            Self::Push { .. } => "push",
        }
    }

    /// The version the request is about, if it names one.
    pub fn version(&self) -> Option<Version> {
        match self {
            Self::ReleaseStart { line: v, .. }
            | Self::ReleaseFinal { line: v, .. }
            | Self::ReleaseTag { version: v, .. }
            | Self::ReleaseHotfix { version: v, .. } => Some(*v),
            Self::Push { .. } => None,
        }
    }

    /// The repositories named explicitly (empty means "every repository it applies to").
    pub fn named_repos(&self) -> &[String] {
        match self {
            Self::ReleaseStart { repos, .. }
            | Self::ReleaseFinal { repos, .. }
            | Self::ReleaseTag { repos, .. }
            | Self::ReleaseHotfix { repos, .. } => repos,
            Self::Push { repo } => std::slice::from_ref(repo),
        }
    }
}
