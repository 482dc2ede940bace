//! `flotilla serve`, `hook install` and `deploy`: continuous deployment.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use flotilla_server::{ServeConfig, install_hook};
use flotilla_store::{Deployment, DeploymentStatus, EventStatus};

use crate::cli::{DeployCommand, HookCommand, ServeArgs};
use crate::cmd::audit_trail::audit_entry;
use crate::failure::{Failure, Outcome};
use crate::output;

pub async fn serve(args: &ServeArgs, manifest: &Path) -> Outcome {
    let mut config = ServeConfig::from_env(
        args.listen,
        &args.hook_secret_env,
        &args.registry_token_env,
        &args.api_token_env,
    )
    .map_err(Failure::input)?;
    config.body_limit = args.body_limit;
    config.header_timeout = Duration::from_secs(args.header_timeout);
    config.body_timeout = Duration::from_secs(args.body_timeout);
    config.idle_timeout = Duration::from_secs(args.idle_timeout);
    config.max_connections = args.max_connections;
    config.replay_window = Duration::from_secs(args.replay_window);
    config.auth.behind_tls = args.behind_tls;
    config.auth.trust_forwarded_proto = args.trust_forwarded_proto;
    config
        .auth
        .proxy_user_header
        .clone_from(&args.trusted_proxy_header);
    config.auth.proxy_user_role = flotilla_server::Role::parse(&args.proxy_user_role)
        .unwrap_or(flotilla_server::Role::Viewer);
    config.auth.session_ttl = Duration::from_secs(args.session_ttl);
    let metrics = config.metrics.clone();
    let (engine, cancel) = super::release::engine_without_signals(manifest, true).await?;
    let engine = config
        .guard_secrets(engine)
        .with_deploy_observer(Arc::new(move |latency| {
            metrics.observe_deploy_latency(latency);
        }));
    // Before new work: deployments a killed process left unfinished would otherwise stay
    // `running` forever.
    for done in engine
        .reconcile_deployments()
        .await
        .map_err(Failure::failed)?
    {
        output::progress(&format!(
            "flotilla serve: deployment {} ({} {} → {}), left unfinished, is {}",
            done.id, done.service, done.version, done.environment, done.status
        ));
    }
    if args.poll_interval > 0 {
        let poller = engine.clone();
        let every = std::time::Duration::from_secs(args.poll_interval);
        tokio::spawn(async move {
            let mut state = flotilla_engine::PollState::default();
            loop {
                for outcome in poller.poll_registries(&mut state).await {
                    tracing::info!(detail = %outcome.detail, "registry poll");
                }
                tokio::time::sleep(every).await;
            }
        });
    }
    output::progress(&format!(
        "flotilla serve: listening on http://{} (hooks: /hooks/git, /hooks/registry; API: /api/v1)",
        args.listen
    ));
    let shutdown = async {
        let terminate = async {
            if let Ok(mut signal) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            {
                signal.recv().await;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            () = terminate => {},
        }
        output::progress(
            "flotilla serve: stopping; running work finishes (interrupt again to cancel it)",
        );
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        });
    };
    flotilla_server::serve(engine, config, shutdown)
        .await
        .map_err(Failure::failed)
}

pub fn hook(command: &HookCommand, json: bool) -> Outcome {
    match command {
        HookCommand::Install {
            repo_path,
            url,
            repo,
            secret_env,
        } => {
            let name = match repo {
                Some(name) => name.clone(),
                None => repo_path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .map(|n| n.trim_end_matches(".git").to_owned())
                    .ok_or_else(|| {
                        Failure::input("cannot tell the repository's name; pass --repo NAME")
                    })?,
            };
            let hook = install_hook(repo_path, url, secret_env, &name).map_err(Failure::input)?;
            if json {
                output::json(&serde_json::json!({ "hook": hook, "repo": name }))
            } else {
                output::line(format!(
                    "installed {} (reports pushes of {name} to {url})",
                    hook.display()
                ));
                Ok(())
            }
        }
    }
}

fn user(by: Option<&String>) -> String {
    by.cloned()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "cli".to_owned())
}

pub async fn run(command: &DeployCommand, manifest: &Path, json: bool) -> Outcome {
    let engine = super::release::engine(manifest, json).await?;
    let store = &engine.workspace().store;
    let fail = Failure::engine;
    match command {
        DeployCommand::Status => {
            if json {
                let matrix = store.deployment_matrix().await.map_err(Failure::failed)?;
                return output::json(&matrix);
            }
            print_matrix(&engine).await
        }
        DeployCommand::History {
            service,
            environment,
            limit,
        } => {
            let history = store
                .deployment_history(service, environment.as_deref(), *limit)
                .await
                .map_err(Failure::failed)?;
            print_deployments(&history, json)
        }
        DeployCommand::Pending => {
            let pending = store.pending_deployments().await.map_err(Failure::failed)?;
            print_deployments(&pending, json)
        }
        DeployCommand::Approve { id, by } => {
            let by = user(by.as_ref());
            let done = engine.approve(id, &by).await.map_err(fail)?;
            let detail = serde_json::json!({ "by": by, "status": done.status });
            audit_entry(
                &**store,
                "deployment.approve",
                done.id.as_str(),
                Some(detail),
            )
            .await?;
            finish(&done, json)
        }
        DeployCommand::Reject { id, by } => {
            let by = user(by.as_ref());
            let done = engine.reject(id, &by).await.map_err(fail)?;
            let detail = serde_json::json!({ "by": by });
            audit_entry(
                &**store,
                "deployment.reject",
                done.id.as_str(),
                Some(detail),
            )
            .await?;
            print_deployments(std::slice::from_ref(&done), json)
        }
        DeployCommand::Rollback {
            service,
            environment,
            by,
        } => {
            let by = user(by.as_ref());
            let done = engine
                .rollback(service, environment, &by)
                .await
                .map_err(fail)?;
            let detail = serde_json::json!({ "by": by, "service": service, "environment": environment, "version": done.version, "status": done.status });
            audit_entry(
                &**store,
                "deployment.rollback",
                done.id.as_str(),
                Some(detail),
            )
            .await?;
            finish(&done, json)
        }
        DeployCommand::Image { reference, digest } => {
            let outcome = engine
                .deploy_tag(reference, digest, &format!("manual by {}", user(None)))
                .await
                .map_err(fail)?;
            if json {
                output::json(&outcome)?;
            } else {
                output::line(&outcome.detail);
            }
            match outcome.status {
                EventStatus::Failed => Err(Failure::failed(format!(
                    "deploying {reference} failed: {}",
                    outcome.detail
                ))),
                _ => Ok(()),
            }
        }
    }
}

fn finish(deployment: &Deployment, json: bool) -> Outcome {
    print_deployments(std::slice::from_ref(deployment), json)?;
    if deployment.status == DeploymentStatus::Succeeded {
        Ok(())
    } else {
        Err(Failure::failed(format!(
            "deployment {} {}",
            deployment.id, deployment.status
        )))
    }
}

fn print_deployments(deployments: &[Deployment], json: bool) -> Outcome {
    if json {
        return output::json(&deployments);
    }
    let mut table = output::Table::new(&[
        "id",
        "service",
        "env",
        "version",
        "status",
        "trigger",
        "approved by",
        "when",
        "error",
    ]);
    for d in deployments {
        table.row(vec![
            d.id.to_string(),
            d.service.clone(),
            d.environment.clone(),
            d.version.clone(),
            d.status.to_string(),
            d.trigger.clone(),
            d.decided_by.clone().unwrap_or_default(),
            d.finished_at.unwrap_or(d.created_at).to_string(),
            d.error
                .as_deref()
                .map(|e| e.lines().next().unwrap_or_default().to_owned())
                .unwrap_or_default(),
        ]);
    }
    table.print();
    Ok(())
}

/// The service × environment table of what runs where, and of a later deployment that did not
/// end (running, approved, failed) next to it: a service is never hidden because its latest
/// deployment did not finish.
pub async fn print_matrix(engine: &flotilla_engine::Engine) -> Outcome {
    let store = &engine.workspace().store;
    let matrix = store.deployment_matrix().await.map_err(Failure::failed)?;
    let latest = store.latest_deployments().await.map_err(Failure::failed)?;
    let environments: Vec<String> = engine
        .workspace()
        .fleet
        .environments
        .iter()
        .map(|e| e.name.clone())
        .collect();
    let mut header = vec!["service"];
    header.extend(environments.iter().map(String::as_str));
    let mut table = output::Table::new(&header);
    let mut services: Vec<&str> = matrix
        .iter()
        .chain(latest.iter().filter(|d| unsettled(d)))
        .map(|d| d.service.as_str())
        .collect();
    services.sort_unstable();
    services.dedup();
    for service in services {
        let mut row = vec![service.to_owned()];
        for environment in &environments {
            let of = |d: &&Deployment| d.service == service && &d.environment == environment;
            let current = matrix
                .iter()
                .find(of)
                .map_or_else(|| "-".to_owned(), |d| d.version.clone());
            row.push(match latest.iter().find(of).filter(|d| unsettled(d)) {
                Some(later) => format!("{current} ({} {})", later.version, later.status),
                None => current,
            });
        }
        table.row(row);
    }
    table.print();
    Ok(())
}

/// A latest deployment worth showing next to what runs: it did not end, or it failed.
fn unsettled(deployment: &Deployment) -> bool {
    matches!(
        deployment.status,
        DeploymentStatus::Approved | DeploymentStatus::Running | DeploymentStatus::Failed
    )
}
