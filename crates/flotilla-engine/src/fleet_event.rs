//! Events from outside (git hooks, GitHub, the registry), normalised, and what each one starts.

use flotilla_core::Version;
use flotilla_core::fleet::{Event, Fleet, Repo};
use flotilla_core::plan::Request;
use serde::{Deserialize, Serialize};

/// An event as the server stores it, after verifying and normalising the delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FleetEvent {
    /// A ref was updated in a repository of the fleet.
    GitPush {
        /// Repository name as in the manifest.
        repo: String,
        /// Full ref name, e.g. `refs/heads/master` or `refs/tags/v1.2.3`.
        git_ref: String,
        /// Previous object id; all zeros when the ref was created.
        before: String,
        /// New object id; all zeros when the ref was deleted.
        after: String,
    },
    /// A tagged manifest arrived in a registry.
    ImagePushed {
        /// Repository path in the registry, e.g. `spaceone/identity`.
        repository: String,
        tag: String,
        digest: String,
    },
}

impl FleetEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::GitPush { .. } => "git-push",
            Self::ImagePushed { .. } => "image-pushed",
        }
    }
}

fn is_zero(oid: &str) -> bool {
    !oid.is_empty() && oid.bytes().all(|b| b == b'0')
}

/// Why a git push starts nothing. None of these is a failure: hooks report every ref update.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushIgnored {
    #[error("not a git push")]
    NotAPush,
    #[error("repository {repo} is not in the manifest")]
    UnknownRepo { repo: String },
    #[error("{git_ref} was deleted")]
    Deleted { git_ref: String },
    #[error("{repo} has no master-push flow")]
    NoPushFlow { repo: String },
    #[error("{branch} is neither {default_branch} nor a new release branch")]
    OtherBranch {
        branch: String,
        default_branch: String,
    },
    #[error("tag {tag} is not a version of {template}")]
    NotAVersionTag { tag: String, template: String },
    #[error("{git_ref} is not a branch or tag")]
    OtherRef { git_ref: String },
}

/// What a git push asks for, or why it asks for nothing.
pub fn request_for_push(fleet: &Fleet, event: &FleetEvent) -> Result<Request, PushIgnored> {
    let FleetEvent::GitPush {
        repo,
        git_ref,
        before,
        after,
    } = event
    else {
        return Err(PushIgnored::NotAPush);
    };
    let repo: &Repo = fleet
        .repo(repo)
        .ok_or_else(|| PushIgnored::UnknownRepo { repo: repo.clone() })?;
    if is_zero(after) {
        return Err(PushIgnored::Deleted {
            git_ref: git_ref.clone(),
        });
    }
    if let Some(branch) = git_ref.strip_prefix("refs/heads/") {
        if branch == repo.default_branch {
            return if repo.handles(Event::Push) {
                Ok(Request::Push {
                    repo: repo.name.clone(),
                })
            } else {
                Err(PushIgnored::NoPushFlow {
                    repo: repo.name.clone(),
                })
            };
        }
        if is_zero(before)
            && let Some(line) = release_line(repo, branch)
        {
            return Ok(Request::ReleaseStart {
                line,
                repos: vec![repo.name.clone()],
            });
        }
        return Err(PushIgnored::OtherBranch {
            branch: branch.to_owned(),
            default_branch: repo.default_branch.clone(),
        });
    }
    if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
        let version = Version::from_tag(&repo.tag_template, tag).ok_or_else(|| {
            PushIgnored::NotAVersionTag {
                tag: tag.to_owned(),
                template: repo.tag_template.to_string(),
            }
        })?;
        // Someone pushed the tag: it exists already, and what it asks for is the build and
        // publication of that commit (publishing is idempotent, so a tag flotilla pushed itself
        // publishes nothing twice).
        return Ok(Request::ReleaseTag {
            version,
            repos: vec![repo.name.clone()],
            republish: true,
        });
    }
    Err(PushIgnored::OtherRef {
        git_ref: git_ref.clone(),
    })
}

/// The release line of a branch rendered by the repository's branch template.
fn release_line(repo: &Repo, branch: &str) -> Option<Version> {
    // A line's branch is the same for all its versions; try the candidates the branch names.
    let digits: Vec<u64> = branch
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    let candidate = match digits.as_slice() {
        [x, y, z] => Version::new(*x, *y, *z, flotilla_core::Stage::Final),
        [x, y] => Version::new(*x, *y, 0, flotilla_core::Stage::Final),
        _ => return None,
    };
    (candidate.render_branch(&repo.branch_template) == branch).then_some(candidate)
}
