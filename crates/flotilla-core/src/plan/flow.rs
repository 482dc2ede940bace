//! Which flow a request runs in each repository it applies to.

use crate::fleet::Repo;
use crate::plan::flows::{dev, hotfix, push, release_branch, tag};
use crate::plan::planner::Planner;
use crate::plan::repo_run::RepoRun;
use crate::plan::request::Request;
use crate::version::{Stage, Version};

/// A flow of `plan/flows/`, with what it needs from the request. Reflecting the version to the
/// default branch is no request of its own: it is the last git step of the tagging flows
/// (`flows/reflect.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// A push to the default branch: a development image.
    Push,
    /// Cut the line's release branch, then tag its first release candidate `rc1`.
    ReleaseBranch { rc1: Version },
    /// Tag a release candidate or a final on its release branch.
    Tag { version: Version, republish: bool },
    /// Publish the packages of a development version.
    Dev { version: Version },
    /// Tag a hotfix on the release branch of a released line.
    Hotfix { version: Version, republish: bool },
}

impl Flow {
    /// The flow of a request. A tag request's flow follows the version it names, so `release
    /// tag 1.2.0dev3` publishes a development version and `release tag 1.2.0.1` is a hotfix.
    pub fn of(request: &Request) -> Self {
        match request {
            Request::Push { .. } => Self::Push,
            Request::ReleaseStart { line, .. } => Self::ReleaseBranch {
                rc1: Version::new(line.major, line.minor, line.patch, Stage::Rc(1)),
            },
            Request::ReleaseFinal { line, .. } => Self::tagging(*line, false),
            Request::ReleaseTag {
                version, republish, ..
            } => Self::tagging(*version, *republish),
            Request::ReleaseHotfix { version, .. } => Self::tagging(*version, false),
        }
    }

    fn tagging(version: Version, republish: bool) -> Self {
        match version.stage {
            Stage::Dev(_) => Self::Dev { version },
            Stage::Hotfix(_) => Self::Hotfix { version, republish },
            Stage::Rc(_) | Stage::Final => Self::Tag { version, republish },
        }
    }

    /// The flow's run of `repo`, or `None` with the reasons recorded in `planner`.
    pub(crate) fn plan(self, planner: &mut Planner<'_>, repo: &Repo) -> Option<RepoRun> {
        match self {
            Self::Push => push::plan(planner, repo),
            Self::ReleaseBranch { rc1 } => release_branch::plan(planner, repo, rc1),
            Self::Tag { version, republish } => tag::plan(planner, repo, version, republish),
            Self::Dev { version } => dev::plan(planner, repo, version),
            Self::Hotfix { version, republish } => hotfix::plan(planner, repo, version, republish),
        }
    }
}
