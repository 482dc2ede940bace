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
    #[error(
        "tag {tag} is not a version: neither a tag of {template} nor a version in another \
         spelling (docs/versions.md)"
    )]
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
        // Read as every history is read (docs/versions.md): `1.12.0` pushed beside a
        // `v{canonical}` template is 1.12.0, and the tag flow publishes it from that tag
        // without tagging it again in the template's spelling.
        let version = Version::from_any_tag(&repo.tag_template, tag).ok_or_else(|| {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet() -> Fleet {
        flotilla_core::manifest::load(
            "flotilla.yaml",
            "categories:\n  svc: {events: [push, tag]}\nrepositories:\n  - {name: app, remote: ../app.git, category: svc}\n",
        )
        .unwrap()
    }

    fn tag_push(tag: &str) -> FleetEvent {
        FleetEvent::GitPush {
            repo: "app".to_owned(),
            git_ref: format!("refs/tags/{tag}"),
            before: "0".repeat(40),
            after: "a".repeat(40),
        }
    }

    #[test]
    fn a_tag_in_another_spelling_is_that_version_and_other_tags_are_ignored_with_why() {
        let fleet = fleet();
        for (tag, version) in [
            ("v1.12.0", "1.12.0"),
            ("1.12.0", "1.12.0"),
            ("v1.12.0-rc1", "1.12.0rc1"),
            ("v1.13", "1.13.0"),
        ] {
            let request = request_for_push(&fleet, &tag_push(tag)).unwrap();
            assert_eq!(
                request,
                Request::ReleaseTag {
                    version: Version::parse(version).unwrap(),
                    repos: vec!["app".to_owned()],
                    republish: true,
                },
                "{tag}"
            );
        }
        let ignored = request_for_push(&fleet, &tag_push("latest")).unwrap_err();
        assert_eq!(
            ignored.to_string(),
            "tag latest is not a version: neither a tag of v{canonical} nor a version in another \
             spelling (docs/versions.md)"
        );
    }
}
