use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flotilla_core::Version;
use flotilla_core::plan::Request;
use flotilla_engine::EngineError;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app_state::AppState;
use crate::dashboard::templates::Templates;
use crate::dashboard::viewer::Viewer;

/// `GET /plan?request=start 1.12.0`: what `flotilla plan` prints for a request, wave by wave.
/// Planning reads the remotes and changes nothing.
pub(crate) struct PlanPage;

#[derive(Deserialize, Default)]
pub(crate) struct PlanQuery {
    #[serde(default)]
    request: String,
}

#[derive(Serialize)]
struct RunLine {
    repo: String,
    category: String,
    version: String,
    steps: Vec<StepLine>,
}

#[derive(Serialize)]
struct StepLine {
    name: String,
    summary: String,
}

impl PlanPage {
    pub(crate) async fn get(
        State(state): State<AppState>,
        viewer: Viewer,
        Query(query): Query<PlanQuery>,
    ) -> Response {
        let mut context = json!({
            "title": "Plan",
            "nav": "plan",
            "viewer": viewer.name,
            "csrf": viewer.csrf,
            "request": query.request,
        });
        if query.request.trim().is_empty() {
            return Templates::page("plan.html", &context);
        }
        let request = match parse(&query.request) {
            Ok(request) => request,
            Err(message) => {
                context["refusal"] = json!(message);
                return Templates::page("plan.html", &context);
            }
        };
        let (plan, warnings) = match state.engine.preview(&request).await {
            Ok(preview) => preview,
            Err(EngineError::Plan(err)) => {
                context["refusal"] = json!(flotilla_core::Help::with_help(&err));
                return Templates::page("plan.html", &context);
            }
            Err(err) => {
                tracing::error!("plan page: {err}");
                return Templates::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the request could not be planned; see the server's log",
                );
            }
        };
        let waves: Vec<_> = plan
            .waves
            .iter()
            .map(|wave| {
                let runs: Vec<RunLine> = plan
                    .runs
                    .iter()
                    .filter(|r| r.wave == wave.index)
                    .map(|r| RunLine {
                        repo: r.repo.clone(),
                        category: r.category.clone(),
                        version: r.version.clone(),
                        steps: r
                            .steps
                            .iter()
                            .map(|s| StepLine {
                                name: s.name().to_owned(),
                                summary: s.summary(),
                            })
                            .collect(),
                    })
                    .collect();
                json!({
                    "number": wave.index + 1,
                    "max_parallel": wave.max_parallel,
                    "gate": wave
                        .gate
                        .iter()
                        .map(|a| format!("{} {}=={}", a.kind, a.name, a.version))
                        .collect::<Vec<_>>(),
                    "runs": runs,
                })
            })
            .collect();
        context["waves"] = json!(waves);
        context["skipped"] = json!(
            plan.skipped
                .iter()
                .map(|s| json!({"repo": s.repo, "reason": s.reason}))
                .collect::<Vec<_>>()
        );
        context["warnings"] = json!(
            warnings
                .iter()
                .map(|(repo, error)| format!(
                    "{repo}: {}",
                    error.lines().next().unwrap_or_default()
                ))
                .collect::<Vec<_>>()
        );
        Templates::page("plan.html", &context)
    }
}

/// A request in the words of `flotilla plan`: `start 1.12.0`, `tag 1.12.0rc2`, `final 1.12.0`,
/// `hotfix 1.12.0.1 identity [more repositories]`, `push identity`; repositories after the
/// version limit the request to them.
fn parse(text: &str) -> Result<Request, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let usage = "write the request as `start X.Y.Z`, `tag VERSION`, `final X.Y.Z`, \
                 `hotfix X.Y.Z.N REPO…` or `push REPO`, optionally followed by repositories";
    let (kind, rest) = match words.as_slice() {
        ["release", kind, rest @ ..] | [kind, rest @ ..] => (*kind, rest),
        [] => return Err(usage.to_owned()),
    };
    let Some((first, repos)) = rest.split_first() else {
        return Err(usage.to_owned());
    };
    let repos: Vec<String> = repos.iter().map(|r| (*r).to_owned()).collect();
    let version = || Version::parse(first).map_err(|err| err.to_string());
    Ok(match kind {
        "start" => Request::ReleaseStart {
            line: version()?,
            repos,
        },
        "tag" => Request::ReleaseTag {
            version: version()?,
            repos,
            republish: false,
        },
        "final" => Request::ReleaseFinal {
            line: version()?,
            repos,
        },
        "hotfix" if !repos.is_empty() => Request::ReleaseHotfix {
            version: version()?,
            repos,
        },
        "push" if repos.is_empty() => Request::Push {
            repo: (*first).to_owned(),
        },
        _ => return Err(usage.to_owned()),
    })
}
