//! What the CLI writes to the audit log: its state-changing actions, under the local user.

use flotilla_store::{NewAuditEntry, Store};

use crate::failure::{Failure, Outcome};

/// Records an action of the local user.
pub async fn audit_entry(
    store: &dyn Store,
    action: &str,
    target: &str,
    detail: Option<serde_json::Value>,
) -> Outcome {
    store
        .record_audit(&NewAuditEntry {
            actor: crate::local_user::local_user(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail,
        })
        .await
        .map_err(Failure::failed)?;
    Ok(())
}
