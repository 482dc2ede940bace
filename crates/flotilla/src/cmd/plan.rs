//! `flotilla plan`: what a request would do.

use std::path::Path;

use flotilla_core::plan::{self, Facts, Plan, Step};

use crate::cli::PlanArgs;
use crate::failure::{Failure, Outcome};
use crate::output;

pub fn run(args: &PlanArgs, manifest: &Path, json: bool) -> Outcome {
    let request = args.request.to_request().map_err(Failure::input)?;
    let plan = if args.offline || args.facts.is_some() {
        let fleet = crate::fleet_file::load_fleet(manifest)?;
        let facts = match &args.facts {
            Some(path) => read_facts(path)?,
            None => Facts {
                timestamp: "YYYYMMDD.HHMMSS".to_owned(),
                ..Facts::default()
            },
        };
        plan::plan(&fleet, &request, &facts).map_err(|err| Failure::refused(&err))?
    } else {
        crate::async_runtime::runtime()?.block_on(async {
            let engine = super::release::engine(manifest, true).await?;
            let (plan, warnings) = engine.preview(&request).await.map_err(Failure::engine)?;
            if let Some((_, first)) = warnings.first() {
                let repos: Vec<&str> = warnings.iter().map(|(repo, _)| repo.as_str()).collect();
                for (repo, error) in &warnings {
                    tracing::info!(%repo, %error, "remote not readable");
                }
                output::progress(&format!(
                    "warning: cannot read {} of the remotes ({}); planned as if they had no \
                     release branches or tags (pass --offline to skip reading remotes, -v for \
                     every error). First error: {}",
                    repos.len(),
                    repos.join(", "),
                    first
                        .lines()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or_default()
                ));
            }
            Ok::<_, Failure>(plan)
        })?
    };
    if json {
        output::json(&plan)
    } else {
        print_plan(&plan, args.steps);
        Ok(())
    }
}

fn read_facts(path: &Path) -> Result<Facts, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| Failure::input(format!("cannot read facts {}: {err}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|err| Failure::input(format!("{}: invalid facts: {err}", path.display())))
}

pub fn print_plan(plan: &Plan, detail: bool) {
    for wave in &plan.waves {
        output::line(format!(
            "wave {} ({} repositories, at most {} at once)",
            wave.index + 1,
            wave.repos.len(),
            wave.max_parallel
        ));
        if !wave.gate.is_empty() {
            let gate: Vec<String> = wave
                .gate
                .iter()
                .map(|a| format!("{} {}=={}", a.kind, a.name, a.version))
                .collect();
            output::line(format!("  waits for: {}", gate.join(", ")));
        }
        let runs = plan.runs.iter().filter(|r| r.wave == wave.index);
        if detail {
            let mut table = output::Table::new(&["  repository", "version", "step", "detail"]);
            for run in runs {
                for (i, step) in run.steps.iter().enumerate() {
                    let (repo, version) = if i == 0 {
                        (format!("  {}", run.repo), run.version.clone())
                    } else {
                        ("  ".to_owned(), String::new())
                    };
                    table.row(vec![repo, version, step.name().to_owned(), step.summary()]);
                }
            }
            table.print();
        } else {
            let mut table = output::Table::new(&["  repository", "category", "version", "does"]);
            for run in runs {
                table.row(vec![
                    format!("  {}", run.repo),
                    run.category.clone(),
                    run.version.clone(),
                    highlights(&run.steps).join(" · "),
                ]);
            }
            table.print();
        }
    }
    for skipped in &plan.skipped {
        output::line(format!("skipped {}: {}", skipped.repo, skipped.reason));
    }
}

/// The steps a reviewer looks for, in a few words each.
fn highlights(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|step| match step {
            Step::CreateBranch { branch, .. } => Some(format!("branch {branch}")),
            Step::TagAndPush { tag, .. } => Some(format!("tag {tag}")),
            Step::Reflect { branch, .. } if step.master_keeps().is_some() => step
                .master_keeps()
                .map(|(current, why)| format!("{branch} keeps {current} ({why})")),
            Step::Reflect {
                branch, version, ..
            } => Some(format!("{branch} ← {version}")),
            Step::Run { name, .. } => Some(format!("run {name}")),
            Step::PublishImage { name, tags, .. } => {
                Some(format!("image {name}:{}", tags.join(",:")))
            }
            Step::PublishPython { name, version, .. } => Some(format!("pypi {name}=={version}")),
            Step::PublishNpm {
                name,
                version,
                dist_tag,
                ..
            } => Some(format!("npm {name}@{version} ({dist_tag})")),
            Step::PublishChart { version, .. } => Some(format!("chart {version}")),
            Step::SetVersion { pre_tag, .. } if !pre_tag.is_empty() => {
                let names: Vec<&str> = pre_tag.iter().map(|c| c.name.as_str()).collect();
                Some(format!("pre-tag {}", names.join(", ")))
            }
            Step::StripPaths { .. } | Step::SetVersion { .. } | Step::Notify { .. } => None,
        })
        .collect()
}
