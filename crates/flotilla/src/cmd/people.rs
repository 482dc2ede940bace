//! `flotilla token` and `flotilla audit`: who may do what, and who did what.

use std::path::Path;

use flotilla_server::TokenSecret;
use flotilla_store::NewApiToken;
use serde_json::json;

use crate::cli::TokenCommand;
use crate::cmd::audit_trail::audit_entry;
use crate::failure::{Failure, Outcome};
use crate::output;

pub async fn token(command: &TokenCommand, manifest: &Path, json: bool) -> Outcome {
    let engine = super::release::engine(manifest, json).await?;
    let store = &engine.workspace().store;
    match command {
        TokenCommand::Create { name, role } => {
            if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
                return Err(Failure::input(String::from(
                    "a token name is 1 to 100 characters without control characters",
                )));
            }
            let secret = TokenSecret::generate_token().map_err(|_| {
                Failure::failed(String::from("the system's random source failed; try again"))
            })?;
            let token = store
                .create_token(&NewApiToken {
                    name: name.clone(),
                    role: role.clone(),
                    hash: secret.hash.clone(),
                })
                .await
                .map_err(Failure::input)?;
            audit_entry(
                &**store,
                "token.create",
                name,
                Some(json!({ "role": role })),
            )
            .await?;
            if json {
                return output::json(&json!({
                    "name": token.name,
                    "role": token.role,
                    "created_at": token.created_at,
                    "token": secret.text,
                }));
            }
            output::line(&secret.text);
            output::progress(&format!(
                "token {name} ({role}) created; it is shown this once, store it now"
            ));
            Ok(())
        }
        TokenCommand::List => {
            let tokens = store.tokens().await.map_err(Failure::failed)?;
            if json {
                return output::json(&tokens);
            }
            let mut table =
                output::Table::new(&["name", "role", "created", "last used", "revoked"]);
            for token in tokens {
                table.row(vec![
                    token.name,
                    token.role,
                    token.created_at.to_string(),
                    token
                        .last_used_at
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    token.revoked_at.map(|t| t.to_string()).unwrap_or_default(),
                ]);
            }
            table.print();
            Ok(())
        }
        TokenCommand::Revoke { name } => {
            let token = store.revoke_token(name).await.map_err(Failure::input)?;
            audit_entry(&**store, "token.revoke", name, None).await?;
            if json {
                return output::json(&token);
            }
            output::line(format!("token {name} revoked"));
            Ok(())
        }
    }
}

pub async fn audit(limit: u32, manifest: &Path, json: bool) -> Outcome {
    let engine = super::release::engine(manifest, json).await?;
    let entries = engine
        .workspace()
        .store
        .audit_log(limit.clamp(1, 10_000))
        .await
        .map_err(Failure::failed)?;
    if json {
        return output::json(&entries);
    }
    let mut table = output::Table::new(&["when", "actor", "action", "target", "detail"]);
    for entry in entries {
        table.row(vec![
            entry.at.to_string(),
            entry.actor,
            entry.action,
            entry.target,
            entry.detail.map(|d| d.to_string()).unwrap_or_default(),
        ]);
    }
    table.print();
    Ok(())
}
