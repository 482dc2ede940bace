//! A secret a step prints is redacted wherever flotilla keeps or shows it.

use std::path::Path;

use crate::support::{fleet, run_id};

const TOKEN: &str = "pypi-e2eSECRETtoken-7f3a9c";
const PASSWORD: &str = "hunter2-e2e-registry-password";

/// Prints both secrets on stdout and stderr, and fails when asked to, with a secret in its
/// last words.
const LEAKY_SCRIPT: &str = "#!/bin/sh\n\
echo \"publishing with token $E2E_PYPI_TOKEN\"\n\
echo \"login password=$E2E_REGISTRY_PASSWORD\" >&2\n\
if [ \"$FLOTILLA_REPO\" = b ]; then\n\
  echo \"upload refused for $E2E_PYPI_TOKEN\" >&2\n\
  exit 1\n\
fi\n";

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_containing(&path, needle, found);
        } else if std::fs::read(&path)
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
        {
            found.push(path.display().to_string());
        }
    }
}

#[test]
fn secrets_printed_by_a_step_are_redacted_in_logs_status_and_state() {
    let mut fleet = fleet()
        .category("svc")
        .section(
            "registries:\n  \
               pypi:\n    kind: pypi\n    url: .flotilla/artifacts/pypi\n    token_env: E2E_PYPI_TOKEN\n  \
               images:\n    kind: image\n    url: .flotilla/artifacts/oci\n    username_env: E2E_REGISTRY_USER\n    password_env: E2E_REGISTRY_PASSWORD",
        )
        .repo("a", "svc")
        .file("scripts/leak.sh", LEAKY_SCRIPT)
        .command("leak", &["sh", "scripts/leak.sh"], &["tag"])
        .repo("b", "svc")
        .file("scripts/leak.sh", LEAKY_SCRIPT)
        .command("leak", &["sh", "scripts/leak.sh"], &["tag"])
        .build();
    fleet.set_env("E2E_PYPI_TOKEN", TOKEN);
    fleet.set_env("E2E_REGISTRY_USER", "robot-e2e");
    fleet.set_env("E2E_REGISTRY_PASSWORD", PASSWORD);

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure();

    let summary = out.json();
    for repo in ["a", "b"] {
        let logs = fleet.flotilla(&["logs", &run_id(&summary, repo)]).success();
        assert!(
            logs.stdout.contains("publishing with token ***")
                && logs.stdout.contains("login password=***"),
            "{repo}: the step's output is in the logs, redacted:\n{}",
            logs.stdout
        );
        for secret in [TOKEN, PASSWORD] {
            assert!(!logs.stdout.contains(secret), "{repo}:\n{}", logs.stdout);
        }
    }
    let status = fleet.flotilla(&["release", "status", "--json"]).success();
    for text in [&out.stdout, &out.stderr, &status.stdout] {
        assert!(!text.contains(TOKEN) && !text.contains(PASSWORD), "{text}");
    }
    let mut leaked = Vec::new();
    for secret in [TOKEN, PASSWORD] {
        files_containing(&fleet.root().join(".flotilla"), secret, &mut leaked);
    }
    assert!(leaked.is_empty(), "secrets stored in {leaked:?}");
}
