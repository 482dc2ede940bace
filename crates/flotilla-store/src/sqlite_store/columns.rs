//! Column lists as macros, so that `concat!` can build `&'static str` queries from them.

macro_rules! train_columns {
    () => {
        "id, kind, version, request, status, created_ms, updated_ms"
    };
}
macro_rules! run_columns {
    () => {
        "id, train_id, repo, event, version, wave, status, blocked_by, error, created_ms, \
         started_ms, ended_ms"
    };
}
macro_rules! step_columns {
    () => {
        "id, run_id, idx, kind, description, status, attempt, started_ms, ended_ms, exit_code, \
         log_path, detail"
    };
}
macro_rules! artifact_columns {
    () => {
        "id, run_id, kind, name, version, digest, target, created_ms"
    };
}
macro_rules! event_columns {
    () => {
        "id, source, delivery_id, kind, payload, received_ms, processed_ms, status, error"
    };
}
macro_rules! deployment_columns {
    () => {
        "id, service, environment, version, image, digest, trigger, status, requested_by, \
         decided_by, decided_ms, expires_ms, created_ms, started_ms, finished_ms, error, detail"
    };
}
macro_rules! token_columns {
    () => {
        "id, name, role, created_ms, revoked_ms, last_used_ms"
    };
}
macro_rules! audit_columns {
    () => {
        "id, at_ms, actor, action, target, detail"
    };
}
