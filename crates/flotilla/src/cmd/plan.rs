//! `flotilla plan`: what a request would do.

use std::path::Path;

use flotilla_core::plan::{self, Facts, Plan};

use crate::cli::PlanArgs;
use crate::failure::{Failure, Outcome};
use crate::output;

pub fn run(args: &PlanArgs, manifest: &Path, json: bool) -> Outcome {
    let request = args.request.to_request().map_err(Failure::input)?;
    let fleet = super::load_fleet(manifest)?;
    let facts = match &args.facts {
        Some(path) => read_facts(path)?,
        None => Facts {
            timestamp: "YYYYMMDD.HHMMSS".to_owned(),
            ..Facts::default()
        },
    };
    let plan = plan::plan(&fleet, &request, &facts).map_err(Failure::input)?;
    if json {
        output::json(&plan)
    } else {
        print_plan(&plan);
        Ok(())
    }
}

fn read_facts(path: &Path) -> Result<Facts, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| Failure::input(format!("cannot read facts {}: {err}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|err| Failure::input(format!("{}: invalid facts: {err}", path.display())))
}

pub fn print_plan(plan: &Plan) {
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
        let mut table = output::Table::new(&["  repository", "version", "step", "detail"]);
        for run in plan.runs.iter().filter(|r| r.wave == wave.index) {
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
    }
    for skipped in &plan.skipped {
        output::line(format!("skipped {}: {}", skipped.repo, skipped.reason));
    }
}
