//! Who runs the CLI, as its actions are recorded (train starters, the audit log).

/// The local user: `$USER`, or `cli`.
pub fn local_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|user| !user.is_empty())
        .unwrap_or_else(|| "cli".to_owned())
}
