//! Refusals that concern the request as a whole, before any repository is looked at.

use crate::plan::planner::Planner;
use crate::plan::request::Request;
use crate::version::Stage;

pub(crate) fn check_request(planner: &mut Planner<'_>, request: &Request) {
    match request {
        Request::ReleaseStart { line, .. } | Request::ReleaseFinal { line, .. }
            if line.stage != Stage::Final =>
        {
            planner.refuse(
                None,
                format!("a release line is x.y.z, not {line}"),
                Some(format!(
                    "use {}; `flotilla release tag {line}` tags that exact version",
                    line.final_of_line()
                )),
            );
        }
        Request::ReleaseHotfix { version, repos } => {
            if !matches!(version.stage, Stage::Hotfix(_)) {
                planner.refuse(
                    None,
                    format!("{version} is not a hotfix version"),
                    Some("a hotfix is x.y.z.N with N ≥ 1, e.g. 1.12.0.1".into()),
                );
            }
            if repos.is_empty() {
                planner.refuse(
                    None,
                    "a hotfix names the repositories it applies to".into(),
                    Some("add --repo NAME for each repository".into()),
                );
            }
        }
        _ => {}
    }
    for name in request.named_repos() {
        if planner.fleet.repo(name).is_none() {
            let known: Vec<&str> = planner
                .fleet
                .repos
                .iter()
                .map(|r| r.name.as_str())
                .collect();
            planner.refuse(
                None,
                format!("unknown repository {name:?}"),
                Some(format!("the manifest declares: {}", known.join(", "))),
            );
        }
    }
}
