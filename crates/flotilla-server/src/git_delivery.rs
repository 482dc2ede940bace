//! A verified `POST /hooks/git` delivery, parsed and normalised into one fleet event per ref.

use flotilla_engine::FleetEvent;
use serde::Deserialize;

use crate::metrics::Source;

/// More ref updates than any real push; a bound keeps one delivery from flooding the store.
const MAX_UPDATES: usize = 1000;

/// The ref updates of one delivery, with the delivery id that identifies retries of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitDelivery {
    pub source: Source,
    pub delivery: String,
    pub events: Vec<FleetEvent>,
}

/// The body flotilla's post-receive hook sends.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HookBody {
    repo: String,
    delivery: String,
    updates: Vec<HookUpdate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HookUpdate {
    #[serde(rename = "ref")]
    git_ref: String,
    before: String,
    after: String,
}

/// The fields flotilla reads from GitHub's `push` payload (it has many more).
#[derive(Deserialize)]
struct GitHubPush {
    #[serde(rename = "ref")]
    git_ref: String,
    before: String,
    after: String,
    repository: GitHubRepository,
}

#[derive(Deserialize)]
struct GitHubRepository {
    name: String,
}

impl GitDelivery {
    /// A delivery of flotilla's post-receive hook.
    pub(crate) fn from_hook(body: &[u8]) -> Result<Self, String> {
        let body: HookBody = serde_json::from_slice(body).map_err(|err| err.to_string())?;
        check_delivery(&body.delivery)?;
        if body.updates.is_empty() || body.updates.len() > MAX_UPDATES {
            return Err(format!(
                "updates must list between 1 and {MAX_UPDATES} ref updates, not {}",
                body.updates.len()
            ));
        }
        let events = body
            .updates
            .into_iter()
            .map(|u| push_event(&body.repo, u.git_ref, u.before, u.after))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            source: Source::Git,
            delivery: body.delivery,
            events,
        })
    }

    /// A GitHub `push` delivery; `delivery` is its `X-GitHub-Delivery` header.
    pub(crate) fn from_github_push(body: &[u8], delivery: &str) -> Result<Self, String> {
        check_delivery(delivery)?;
        let push: GitHubPush = serde_json::from_slice(body).map_err(|err| err.to_string())?;
        let event = push_event(&push.repository.name, push.git_ref, push.before, push.after)?;
        Ok(Self {
            source: Source::GitHub,
            delivery: delivery.to_owned(),
            events: vec![event],
        })
    }
}

fn push_event(
    repo: &str,
    git_ref: String,
    before: String,
    after: String,
) -> Result<FleetEvent, String> {
    let repo_ok = repo.len() <= 100
        && repo.starts_with(|c: char| c.is_ascii_alphanumeric())
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !repo_ok {
        return Err(format!("{repo:?} is not a repository name"));
    }
    if !git_ref.starts_with("refs/")
        || git_ref.len() > 1024
        || git_ref.chars().any(char::is_control)
    {
        return Err(format!("{git_ref:?} is not a full ref name (refs/...)"));
    }
    for oid in [&before, &after] {
        let hex = oid
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !(hex && (oid.len() == 40 || oid.len() == 64)) {
            return Err(format!(
                "{oid:?} is not a git object id (40 or 64 lowercase hex digits)"
            ));
        }
    }
    Ok(FleetEvent::GitPush {
        repo: repo.to_owned(),
        git_ref,
        before,
        after,
    })
}

/// Delivery ids go into the store and logs: short and plain.
fn check_delivery(delivery: &str) -> Result<(), String> {
    let ok = (1..=128).contains(&delivery.len())
        && delivery
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "delivery id {delivery:?} must be 1 to 128 letters, digits, '.', '_', ':' or '-'"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";

    #[test]
    fn a_hook_delivery_gives_one_event_per_ref_update() {
        let body = format!(
            r#"{{"repo":"identity","delivery":"d-1","updates":[
                {{"ref":"refs/heads/master","before":"{A}","after":"{B}"}},
                {{"ref":"refs/tags/v1.0.0","before":"{}","after":"{B}"}}]}}"#,
            "0".repeat(40)
        );
        let delivery = GitDelivery::from_hook(body.as_bytes()).unwrap();
        assert_eq!(delivery.source, Source::Git);
        assert_eq!(delivery.delivery, "d-1");
        assert_eq!(delivery.events.len(), 2);
        assert_eq!(
            delivery.events[1],
            FleetEvent::GitPush {
                repo: "identity".into(),
                git_ref: "refs/tags/v1.0.0".into(),
                before: "0".repeat(40),
                after: B.into(),
            }
        );
    }

    #[test]
    fn a_github_push_is_read_from_its_payload_and_delivery_header() {
        let body = format!(
            r#"{{"ref":"refs/heads/master","before":"{A}","after":"{B}","created":false,
                "repository":{{"name":"identity","full_name":"cloudforet-io/identity"}},"commits":[]}}"#
        );
        let delivery =
            GitDelivery::from_github_push(body.as_bytes(), "72d3162e-cc78-11e3-81ab-4c9367dc0958")
                .unwrap();
        assert_eq!(delivery.source, Source::GitHub);
        assert!(
            matches!(&delivery.events[0], FleetEvent::GitPush { repo, .. } if repo == "identity")
        );
    }

    #[test]
    fn wrong_fields_are_refused_with_the_reason() {
        let with = |repo: &str, git_ref: &str, after: &str, delivery: &str| {
            format!(
                r#"{{"repo":"{repo}","delivery":"{delivery}","updates":[{{"ref":"{git_ref}","before":"{A}","after":"{after}"}}]}}"#
            )
        };
        let cases = [
            (with("../etc", "refs/heads/x", B, "d"), "repository name"),
            (with("identity", "master", B, "d"), "full ref name"),
            (with("identity", "refs/heads/x", "HEAD", "d"), "object id"),
            (with("identity", "refs/heads/x", B, "a b"), "delivery id"),
            (
                r#"{"repo":"identity","delivery":"d","updates":[]}"#.to_owned(),
                "between 1",
            ),
            (r#"{"repo":"identity"}"#.to_owned(), "missing field"),
        ];
        for (body, expected) in cases {
            let err = GitDelivery::from_hook(body.as_bytes()).unwrap_err();
            assert!(err.contains(expected), "{body}: {err}");
        }
    }
}
