//! `flotilla demo`, `status` and `logs`.

use std::path::Path;
use std::time::Instant;

use flotilla_engine::{RepoStatus, Store, demo};
use flotilla_git::{Git, Identity};
use flotilla_store::TrainStatus;

use crate::cli::DemoArgs;
use crate::failure::{Failure, Outcome};
use crate::output;

pub async fn run(args: &DemoArgs, json: bool) -> Outcome {
    let started = Instant::now();
    let git = Git::new().with_fallback_identity(Identity::default());
    let registries = demo::DemoRegistries {
        oci: args.oci.clone(),
        pypi: args.pypi.clone(),
        npm: args.npm.clone(),
    };
    let manifest = demo::prepare(&args.dir, &git, &registries).map_err(Failure::failed)?;
    // No `flotilla serve` receives the registries' notifications in the demo, so the engine
    // starts continuous deployment itself for what it publishes.
    let engine = super::release::engine(&manifest, json)
        .await?
        .deploy_server_pushes(true);
    let mut outcomes = Vec::new();
    let mut failed = Vec::new();
    for act in demo::story(&engine) {
        if !json {
            output::line(format!("\n== {}", act.title()));
        }
        let outcome = demo::play(&engine, &act).await.map_err(Failure::failed)?;
        match &outcome {
            demo::ActOutcome::Train(summary) => {
                if summary.status != TrainStatus::Succeeded {
                    failed.push(format!("train {}", summary.train));
                }
                if json {
                } else if summary.status == TrainStatus::Succeeded {
                    output::line(format!(
                        "-> train {} succeeded: {} repositories",
                        summary.train,
                        summary.runs.len()
                    ));
                } else {
                    super::release::print_summary(summary, false)?;
                }
            }
            demo::ActOutcome::Deployments(deployments) => {
                for d in deployments {
                    if d.status != flotilla_store::DeploymentStatus::Succeeded {
                        failed.push(format!("deployment {}", d.id));
                    }
                    if !json {
                        output::line(format!(
                            "-> {} {} in {}: {}",
                            d.service, d.version, d.environment, d.status
                        ));
                    }
                }
            }
        }
        outcomes.push(outcome);
    }
    let status = flotilla_engine::fleet_status(engine.workspace())
        .await
        .map_err(Failure::failed)?;
    let root = engine.workspace().root.display().to_string();
    let checks = registries.check_commands(&root);
    if json {
        output::json(&serde_json::json!({
            "manifest": manifest,
            "acts": outcomes,
            "fleet": status,
            "checks": checks,
            "seconds": started.elapsed().as_secs_f64(),
        }))?;
    } else {
        output::line("\n== the fleet now");
        print_fleet(&status);
        output::line("\n== what runs where (flotilla deploy status)");
        super::deploy::print_matrix(&engine).await?;
        output::line(format!(
            "\ndemo finished in {:.1} s. Look at it with independent tools:",
            started.elapsed().as_secs_f64()
        ));
        for command in &checks {
            output::line(format!("  {command}"));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::failed(format!(
            "demo trains did not all succeed: {}",
            failed.join(", ")
        )))
    }
}

pub async fn fleet_table(manifest: &Path, json: bool) -> Outcome {
    let engine = super::release::engine(manifest, json).await?;
    let status = flotilla_engine::fleet_status(engine.workspace())
        .await
        .map_err(Failure::failed)?;
    if json {
        return output::json(&status);
    }
    print_fleet(&status);
    Ok(())
}

fn print_fleet(status: &[RepoStatus]) {
    let mut table = output::Table::new(&[
        "repository",
        "category",
        "master",
        "newest",
        "last tag",
        "artifacts",
    ]);
    for repo in status {
        let mut first = true;
        let artifacts: Vec<String> = repo
            .artifacts
            .iter()
            .map(|a| {
                format!(
                    "{} {}:{} {}",
                    a.kind,
                    a.name,
                    a.version,
                    short_digest(&a.digest)
                )
            })
            .collect();
        let lines = if artifacts.is_empty() {
            vec![String::new()]
        } else {
            artifacts
        };
        for artifact in lines {
            if first {
                table.row(vec![
                    repo.repo.clone(),
                    repo.category.clone(),
                    repo.master_version.clone().unwrap_or_default(),
                    repo.newest_version.clone().unwrap_or_default(),
                    repo.last_tag.clone().unwrap_or_default(),
                    artifact,
                ]);
                first = false;
            } else {
                table.row(vec![
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    artifact,
                ]);
            }
        }
    }
    table.print();
}

fn short_digest(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

pub async fn logs(manifest: &Path, run: &str, step: Option<&str>) -> Outcome {
    let engine = super::release::engine(manifest, false).await?;
    let store = &engine.workspace().store;
    let id = find_run(&**store, run).await?;
    let steps = store.steps_of_run(&id).await.map_err(Failure::input)?;
    let mut shown = 0;
    for stored in steps {
        let wanted = step.is_none_or(|s| s == stored.idx.to_string() || s == stored.kind);
        if !wanted {
            continue;
        }
        shown += 1;
        output::line(format!(
            "== step {} {} ({}): {}",
            stored.idx, stored.kind, stored.status, stored.description
        ));
        if let Some(path) = &stored.log_path {
            match std::fs::read_to_string(path) {
                // Redacted when written; again here, for secrets this process knows that the
                // writer did not (a log written before a secret was set).
                Ok(text) => output::line(engine.workspace().redactor.redact(text.trim_end())),
                Err(err) => output::line(format!("(log {path} unreadable: {err})")),
            }
        }
    }
    if shown == 0 {
        return Err(Failure::input(format!(
            "run {run} has no step {}",
            step.unwrap_or("at all")
        )));
    }
    Ok(())
}

/// A run id, or a unique prefix of one among the recent trains' runs.
async fn find_run(store: &dyn Store, text: &str) -> Result<flotilla_store::Id, Failure> {
    if let Some(id) = flotilla_store::Id::parse(text) {
        return Ok(id);
    }
    let prefix = text.to_ascii_uppercase();
    let mut found = Vec::new();
    if !prefix.is_empty() {
        for train in store.list_trains(1000).await.map_err(Failure::failed)? {
            for run in store
                .runs_of_train(&train.id)
                .await
                .map_err(Failure::failed)?
            {
                if run.run.id.as_str().starts_with(&prefix) {
                    found.push(run.run.id);
                }
            }
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Failure::input(format!(
            "no run id starts with {text:?}; `flotilla release status` lists them"
        ))),
        n => Err(Failure::input(format!(
            "{n} runs start with {text:?}; give more characters"
        ))),
    }
}
