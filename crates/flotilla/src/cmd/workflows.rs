//! `flotilla workflows render | check | sync`: GitHub Actions workflows as code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use flotilla_core::Help;
use flotilla_core::fleet::{Fleet, Repo};
use flotilla_core::workflows::{DriftState, RenderedWorkflow, WorkflowRenderer};
use flotilla_engine::workflows::{WorkflowFleet, WorkflowOutcome};
use serde_json::{Value, json};

use crate::cli::WorkflowsCommand;
use crate::failure::{Failure, Outcome};
use crate::fleet_file::load_fleet;
use crate::output;

pub fn run(command: &WorkflowsCommand, manifest: &Path, json: bool) -> Outcome {
    let fleet = load_fleet(manifest)?;
    let root = manifest_dir(manifest)?;
    let overrides = read_overrides(&fleet, &root)?;
    match command {
        WorkflowsCommand::Render { repos, out } => {
            let repos = select(&fleet, repos)?;
            let templates = WorkflowRenderer::new(&fleet, &overrides);
            let mut rendered = Vec::new();
            for repo in repos {
                rendered.push((repo, templates.render(repo).map_err(Failure::input)?));
            }
            render(&rendered, out.as_deref(), json)
        }
        WorkflowsCommand::Check { repos, jobs } => {
            let repos = select(&fleet, repos)?;
            let workflows = WorkflowFleet::new(&fleet, &root, &overrides).with_jobs(*jobs as usize);
            let rendered = workflows.render(&repos).map_err(Failure::input)?;
            output::progress(&format!(
                "checking the workflows of {}",
                count(rendered.len(), "repository")
            ));
            let outcomes = workflows.check(&rendered, &report);
            check_report(&outcomes, json)
        }
        WorkflowsCommand::Sync { repos, jobs } => {
            let repos = select(&fleet, repos)?;
            let workflows = WorkflowFleet::new(&fleet, &root, &overrides).with_jobs(*jobs as usize);
            let rendered = workflows.render(&repos).map_err(Failure::input)?;
            output::progress(&format!(
                "syncing the workflows of {}",
                count(rendered.len(), "repository")
            ));
            let outcomes = workflows.sync(&rendered, &report);
            sync_report(&outcomes, json)
        }
    }
}

fn manifest_dir(manifest: &Path) -> Result<PathBuf, Failure> {
    let dir = match manifest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::path::absolute(&dir)
        .map_err(|err| Failure::failed(format!("cannot resolve {}: {err}", dir.display())))
}

/// The template files the manifest names, relative to its directory.
fn read_overrides(fleet: &Fleet, root: &Path) -> Result<BTreeMap<String, String>, Failure> {
    let mut texts = BTreeMap::new();
    for path in fleet.workflows.templates.all_files() {
        let full = root.join(path);
        let text = std::fs::read_to_string(&full).map_err(|err| {
            Failure::input(format!("cannot read the workflow template {}: {err}", full.display()))
                .with_help("template paths under `workflows.templates` are relative to the manifest's directory")
        })?;
        texts.insert(path.to_owned(), text);
    }
    Ok(texts)
}

fn select<'f>(fleet: &'f Fleet, names: &[String]) -> Result<Vec<&'f Repo>, Failure> {
    if names.is_empty() {
        return Ok(fleet.repos.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            fleet.repo(name).ok_or_else(|| {
                Failure::input(format!("no repository `{name}` in the manifest"))
                    .with_help("name a repository of the manifest's `repositories`")
            })
        })
        .collect()
}

fn render(rendered: &[(&Repo, Vec<RenderedWorkflow>)], out: Option<&Path>, json: bool) -> Outcome {
    if let Some(out) = out {
        let mut written = Vec::new();
        for (repo, files) in rendered {
            for file in files {
                let path = out.join(&repo.name).join(&file.path);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|err| {
                        Failure::failed(format!("cannot create {}: {err}", dir.display()))
                    })?;
                }
                std::fs::write(&path, &file.text).map_err(|err| {
                    Failure::failed(format!("cannot write {}: {err}", path.display()))
                })?;
                written.push(path);
            }
        }
        if json {
            return output::json(&json!({ "written": written }));
        }
        for path in &written {
            output::line(path.display());
        }
        return Ok(());
    }
    if json {
        let files: Vec<Value> = rendered
            .iter()
            .flat_map(|(repo, files)| {
                files.iter().map(|f| {
                    json!({"repo": repo.name, "path": f.path, "kind": f.kind,
                           "template": f.template, "text": f.text})
                })
            })
            .collect();
        return output::json(&files);
    }
    for (repo, files) in rendered {
        for file in files {
            output::line(format!("# ==> {}: {} <==", repo.name, file.path));
            output::line(file.text.trim_end());
        }
    }
    Ok(())
}

/// One progress line per repository as it ends.
fn report(done: usize, total: usize, outcome: &WorkflowOutcome) {
    output::progress(&format!(
        "[{done}/{total}] {}: {}",
        outcome.repo,
        state(outcome)
    ));
}

fn state(outcome: &WorkflowOutcome) -> String {
    match (&outcome.error, &outcome.drift, &outcome.commit) {
        (Some(err), _, _) => format!("failed: {err}"),
        (None, _, Some(commit)) => format!("committed {}", short(commit.as_str())),
        (None, Some(drift), None) if !drift.is_clean() => {
            format!("{} drifted", count(drift.files.len(), "file"))
        }
        _ => "in sync".to_owned(),
    }
}

fn short(oid: &str) -> &str {
    oid.get(..12).unwrap_or(oid)
}

fn outcome_json(outcome: &WorkflowOutcome) -> Value {
    let state = if outcome.error.is_some() {
        "failed"
    } else if outcome.commit.is_some() {
        "committed"
    } else if outcome.drifted() {
        "drifted"
    } else {
        "clean"
    };
    json!({
        "repo": outcome.repo,
        "state": state,
        "files": outcome.drift.as_ref().map(|d| &d.files),
        "unmanaged": outcome.drift.as_ref().map(|d| &d.unmanaged),
        "commit": outcome.commit.as_ref().map(|c| c.as_str().to_owned()),
        "error": outcome.error.as_ref().map(|e| json!({"message": e.to_string(), "help": e.help()})),
    })
}

fn check_report(outcomes: &[WorkflowOutcome], json: bool) -> Outcome {
    let drifted = outcomes.iter().filter(|o| o.drifted()).count();
    let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
    if json {
        let repos: Vec<Value> = outcomes.iter().map(outcome_json).collect();
        output::json(&json!({"repos": repos, "drifted": drifted, "failed": failed}))?;
    } else {
        let mut table = output::Table::new(&["repository", "file", "state"]);
        for outcome in outcomes {
            match (&outcome.drift, &outcome.error) {
                (_, Some(err)) => table.row(vec![
                    outcome.repo.clone(),
                    "-".to_owned(),
                    format!("failed: {err}"),
                ]),
                (Some(drift), None) if drift.is_clean() => {
                    table.row(vec![
                        outcome.repo.clone(),
                        "-".to_owned(),
                        "in sync".to_owned(),
                    ]);
                }
                (Some(drift), None) => {
                    for file in &drift.files {
                        table.row(vec![
                            outcome.repo.clone(),
                            file.path.clone(),
                            file.state.as_str().to_owned(),
                        ]);
                    }
                }
                (None, None) => {}
            }
        }
        table.print();
        for outcome in outcomes {
            for file in outcome.drift.iter().flat_map(|d| &d.files) {
                if let DriftState::Changed { diff } = &file.state {
                    output::line(format!("\n{}:", outcome.repo));
                    output::line(diff.trim_end());
                }
            }
        }
        output::line(format!(
            "\n{drifted} of {} drifted{}",
            count(outcomes.len(), "repository"),
            if failed > 0 {
                format!(", {failed} could not be read")
            } else {
                String::new()
            }
        ));
    }
    finish(
        drifted,
        failed,
        "drifted from the rendering",
        "run `flotilla workflows sync` to commit the rendering to them",
    )
}

fn sync_report(outcomes: &[WorkflowOutcome], json: bool) -> Outcome {
    let committed = outcomes.iter().filter(|o| o.commit.is_some()).count();
    let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
    if json {
        let repos: Vec<Value> = outcomes.iter().map(outcome_json).collect();
        output::json(&json!({"repos": repos, "committed": committed, "failed": failed}))?;
    } else {
        let mut table = output::Table::new(&["repository", "result"]);
        for outcome in outcomes {
            table.row(vec![outcome.repo.clone(), state(outcome)]);
        }
        table.print();
        output::line(format!(
            "\n{committed} committed, {} already in sync, {failed} failed",
            outcomes.len() - committed - failed
        ));
    }
    finish(0, failed, "", "")
}

/// Exit 1 when anything drifted (check) or failed.
fn finish(drifted: usize, failed: usize, what: &str, help: &str) -> Outcome {
    if failed > 0 {
        return Err(Failure::failed(format!(
            "{} could not be read or synced",
            count(failed, "repository")
        ))
        .with_help(
            "see each repository's error above; running the command again redoes only what is left",
        ));
    }
    if drifted > 0 {
        return Err(
            Failure::failed(format!("{} {what}", count(drifted, "repository"))).with_help(help),
        );
    }
    Ok(())
}

fn count(n: usize, what: &str) -> String {
    match (n, what) {
        (1, _) => format!("1 {what}"),
        (_, "repository") => format!("{n} repositories"),
        _ => format!("{n} {what}s"),
    }
}
