//! Which repositories a request applies to: named ones must be able to run it (else the request
//! is refused), the others are skipped with a reason.

use crate::fleet::{Event, Repo};
use crate::plan::planner::Planner;
use crate::plan::request::Request;
use crate::plan::skipped::Skipped;
use crate::version::Channel;

/// The repositories the request applies to, in manifest order.
pub(crate) fn select<'a>(planner: &mut Planner<'a>, request: &Request) -> Vec<&'a Repo> {
    let named = request.named_repos();
    let event = match request {
        Request::Push { .. } => Event::Push,
        Request::ReleaseStart { .. } => Event::ReleaseBranch,
        _ => Event::Tag,
    };
    let dev = request
        .version()
        .is_some_and(|v| v.channel() == Channel::Dev);
    let fleet = planner.fleet;
    let mut selected = Vec::new();
    for repo in &fleet.repos {
        let explicit = named.contains(&repo.name);
        if !named.is_empty() && !explicit {
            continue;
        }
        let reason = if !repo.handles(event) {
            Some(format!(
                "its category {} has no {} trigger",
                repo.category,
                event.as_str()
            ))
        } else if dev && !repo.dev_versions {
            Some(format!(
                "development versions are only for categories that allow them; {} is {}",
                repo.name, repo.category
            ))
        } else {
            None
        };
        match reason {
            Some(reason) if explicit => {
                planner.refuse(Some(&repo.name), reason, None);
            }
            Some(reason) => planner.skipped.push(Skipped {
                repo: repo.name.clone(),
                reason,
            }),
            None => selected.push(repo),
        }
    }
    selected
}
