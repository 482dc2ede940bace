//! A build that prints its environment and values equal to flotilla's secrets, run by `flotilla
//! serve` for a signed push and by `flotilla release start`: no secret is in the step log,
//! `flotilla logs`, the API's logs answer, the store or the server's output.

use std::path::Path;

use serde_json::Value;

use super::harness::{API_TOKEN, HOOK_SECRET, REGISTRY_TOKEN, http, set_secrets, sign};
use crate::support::{Sandbox, fleet, run_id};
use flotilla_testkit::{free_port, wait};

/// The server's API token, read from a variable of a name only the server is told
/// (`--api-token-env`), and one that the manifest passes to commands (`FLOTILLA_E2E_*`).
const SERVE_API_ENV: &str = "FLOTILLA_E2E_SERVE_API_TOKEN";
const SERVE_API_TOKEN: &str = "e2e-serve-api-token-under-another-name-0123";

const BEFORE: &str = "0000000000000000000000000000000000000000";

/// The secrets of the defaults' names, which every flotilla process knows.
const DEFAULT_SECRETS: [&str; 3] = [HOOK_SECRET, REGISTRY_TOKEN, API_TOKEN];

/// Where `needle` is among `texts` (named), the bytes of the files given included.
fn leaks(needle: &str, texts: &[(&str, &str)], files: &[&Path]) -> Vec<String> {
    let mut found: Vec<String> = texts
        .iter()
        .filter(|(_, text)| text.contains(needle))
        .map(|(name, _)| (*name).to_owned())
        .collect();
    for file in files {
        let bytes = std::fs::read(file).unwrap_or_default();
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            found.push(file.display().to_string());
        }
    }
    found
}

/// The state database and its write-ahead log, and every step log.
fn stored_files(sandbox: &Sandbox) -> Vec<std::path::PathBuf> {
    let state = sandbox.root().join(".flotilla");
    let mut files: Vec<_> = ["state.db", "state.db-wal", "state.db-shm"]
        .iter()
        .map(|f| state.join(f))
        .collect();
    let mut dirs = vec![state.join("logs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn no_secret_reaches_a_build_its_logs_the_api_the_store_or_the_server_output() {
    let all = [HOOK_SECRET, REGISTRY_TOKEN, API_TOKEN, SERVE_API_TOKEN];
    let mut sandbox = fleet()
        .category("svc")
        .repo("app", "svc")
        .file("given.txt", &format!("{}\n", all.join("\n")))
        .command(
            "build",
            &["sh", "-c", "env; echo given:; cat given.txt"],
            &["push", "tag"],
        )
        .build();
    set_secrets(&mut sandbox);
    sandbox.set_env(SERVE_API_ENV, SERVE_API_TOKEN);
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let command = sandbox.command(&["serve", "--listen", &addr, "--api-token-env", SERVE_API_ENV]);
    let server_log = sandbox.outside("serve.log");
    let server = flotilla_testkit::Server::start(command, port, "/healthz", server_log.clone());
    let api = |path: &str| {
        let reply = http(
            "GET",
            &format!("http://{addr}/api/v1{path}"),
            &[("Authorization", &format!("Bearer {SERVE_API_TOKEN}"))],
            None,
        );
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
        reply
    };

    let after = sandbox.remote_git("app", &["rev-parse", "master"]);
    let body = format!(
        r#"{{"repo":"app","delivery":"secrets-1","updates":[{{"ref":"refs/heads/master","before":"{BEFORE}","after":"{}"}}]}}"#,
        after.trim()
    );
    let delivered = http(
        "POST",
        &format!("http://{addr}/hooks/git"),
        &[
            ("Content-Type", "application/json"),
            (
                "X-Flotilla-Signature-256",
                &sign(HOOK_SECRET, body.as_bytes()),
            ),
        ],
        Some(body.as_bytes()),
    );
    assert_eq!(delivered.status, 200, "{}", delivered.body);
    let train: Value = wait::until("the push train to finish", || {
        let trains: Value = api("/trains").json();
        trains
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["status"] == "succeeded" || t["status"] == "failed")
            .cloned()
    });
    assert_eq!(train["status"], "succeeded", "{train}");
    let summary = api(&format!("/trains/{}", train["id"].as_str().unwrap())).json();
    let served_run = run_id(&summary, "app");
    let api_logs = api(&format!("/runs/{served_run}/logs")).body;
    assert!(
        api_logs.contains("PATH=") && api_logs.contains("given:\\n***\\n***\\n***\\n***"),
        "the build printed its environment and the given values, redacted:\n{api_logs}"
    );
    let served_logs = sandbox.flotilla(&["logs", &served_run]).success();

    // The command line knows the secrets under their default names only: the server's API
    // token under its own name is not its business.
    let mut cli = sandbox.command(&["release", "start", "1.0.0", "--json"]);
    cli.env_remove(SERVE_API_ENV);
    let started = crate::support::Outcome::from_output(&cli.output().unwrap()).success();
    let cli_run = run_id(&started.json(), "app");
    let cli_logs = sandbox.flotilla(&["logs", &cli_run]).success();
    assert!(
        cli_logs.stdout.contains("PATH=") && cli_logs.stdout.contains("given:\n***\n***\n***\n"),
        "{}",
        cli_logs.stdout
    );
    drop(server);
    let server_output = std::fs::read_to_string(&server_log).unwrap();

    let files = stored_files(&sandbox);
    let files: Vec<&Path> = files.iter().map(std::path::PathBuf::as_path).collect();
    for secret in all {
        let mut texts = vec![
            ("the API's logs answer", api_logs.as_str()),
            ("`flotilla logs` of the served run", &served_logs.stdout),
            ("the server's output", &server_output),
        ];
        if DEFAULT_SECRETS.contains(&secret) {
            texts.extend([
                ("`release start`", started.stdout.as_str()),
                ("`release start`'s stderr", &started.stderr),
                ("`flotilla logs` of the release run", &cli_logs.stdout),
            ]);
        }
        let files: Vec<&Path> = if DEFAULT_SECRETS.contains(&secret) {
            files.clone()
        } else {
            // Only what the server wrote: the release run's log is the command line's.
            files
                .iter()
                .copied()
                .filter(|f| !f.to_string_lossy().contains(&cli_run))
                .collect()
        };
        let found = leaks(secret, &texts, &files);
        assert!(found.is_empty(), "{secret} is in {found:?}");
    }
}
