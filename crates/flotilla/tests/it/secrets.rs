//! A secret a step prints is redacted wherever flotilla keeps or shows it.

use std::path::Path;

use crate::support::{fleet, key_values, run_id};

const TOKEN: &str = "pypi-e2eSECRETtoken-7f3a9c";
const PASSWORD: &str = "hunter2-e2e-registry-password";

/// Prints both secrets on stdout and stderr, and fails when asked to, with a secret in its
/// last words. flotilla never hands its secrets to commands, so the script reads copies of
/// them from a file outside the repository, as a build that found them elsewhere would.
const LEAKY_SCRIPT: &str = "#!/bin/sh\n\
. \"$FLOTILLA_E2E_SECRETS\"\n\
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
    let copies = fleet.outside("secrets.sh");
    std::fs::write(
        &copies,
        format!("E2E_PYPI_TOKEN='{TOKEN}'\nE2E_REGISTRY_PASSWORD='{PASSWORD}'\n"),
    )
    .unwrap();
    fleet.set_env("FLOTILLA_E2E_SECRETS", &copies);

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

/// flotilla's own secrets, set for every invocation of the binary as `serve` would have them.
const FLOTILLA_SECRETS: [(&str, &str); 3] = [
    ("FLOTILLA_HOOK_SECRET", "e2e-hook-secret-env-0123456789"),
    (
        "FLOTILLA_REGISTRY_TOKEN",
        "e2e-registry-token-env-0123456789",
    ),
    ("FLOTILLA_API_TOKEN", "e2e-api-token-env-0123456789"),
];

/// A command's environment is the basics, flotilla's `FLOTILLA_VERSION` family and what the
/// manifest passes or sets: flotilla's tokens, the registry credentials and whatever else
/// flotilla was started with stay out, even under a name the manifest passes.
#[test]
fn commands_see_only_the_basics_and_what_the_manifest_passes() {
    let mut fleet = fleet()
        .category("svc")
        .section(
            "registries:\n  \
               pypi:\n    kind: pypi\n    url: .flotilla/artifacts/pypi\n    token_env: E2E_PYPI_TOKEN",
        )
        .repo("a", "svc")
        .command(
            "env",
            &["sh", "-c", "env > \"$FLOTILLA_E2E_ENV_OUT\""],
            &["tag"],
        )
        .command_env(&["E2E_PASSED", "E2E_SET=set-by-the-manifest"])
        .build();
    for (name, value) in FLOTILLA_SECRETS {
        fleet.set_env(name, value);
    }
    fleet.set_env("E2E_PYPI_TOKEN", TOKEN);
    // A copy of a secret under a name the manifest passes is still a secret.
    fleet.set_env("FLOTILLA_E2E_COPY", FLOTILLA_SECRETS[2].1);
    fleet.set_env("E2E_PASSED", "passed-by-name");
    fleet.set_env("E2E_NOT_PASSED", "flotilla-only");
    let out = fleet.outside("env.txt");
    fleet.set_env("FLOTILLA_E2E_ENV_OUT", &out);

    fleet.flotilla(&["release", "start", "1.0.0"]).success();

    let text = std::fs::read_to_string(&out).unwrap();
    let env = key_values(&text);
    for (name, value) in FLOTILLA_SECRETS
        .into_iter()
        .chain([("E2E_PYPI_TOKEN", TOKEN)])
    {
        assert!(
            !env.contains_key(name),
            "{name} reached the command:\n{text}"
        );
        assert!(
            !text.contains(value),
            "{name}'s value reached the command:\n{text}"
        );
    }
    for name in ["FLOTILLA_E2E_COPY", "E2E_NOT_PASSED"] {
        assert!(
            !env.contains_key(name),
            "{name} reached the command:\n{text}"
        );
    }
    assert_eq!(env["E2E_PASSED"], "passed-by-name", "{text}");
    assert_eq!(env["E2E_SET"], "set-by-the-manifest", "{text}");
    assert_eq!(env["FLOTILLA_REPO"], "a", "{text}");
    assert_eq!(env["FLOTILLA_VERSION"], "1.0.0rc1", "{text}");
    assert_eq!(env["FLOTILLA_E2E_ENV_OUT"], out.display().to_string());
    for basic in ["PATH", "HOME"] {
        assert!(env.contains_key(basic), "{basic} is missing:\n{text}");
    }
}

/// `flotilla check` refuses an `env` entry that would hand a command one of flotilla's
/// secrets, at the entry's position.
#[test]
fn check_refuses_an_env_entry_naming_a_secret() {
    let fleet = fleet()
        .repo("a", "backend")
        .command("build", &["make"], &["tag"])
        .command_env(&["FLOTILLA_API_TOKEN"])
        .build();
    let out = fleet.flotilla(&["check"]);
    assert_eq!(out.code, Some(2), "{out}");
    let manifest = std::fs::read_to_string(fleet.manifest()).unwrap();
    let (line, text) = manifest
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("\"FLOTILLA_API_TOKEN\""))
        .unwrap();
    let column = text.find("\"FLOTILLA_API_TOKEN\"").unwrap() + 1;
    assert!(
        out.stderr.contains(&format!(
            "flotilla.yaml:{}:{column}: `env` of command `build` of repository `a`: \
             `FLOTILLA_API_TOKEN` would hand `FLOTILLA_API_TOKEN` to repository code",
            line + 1
        )),
        "{}",
        out.stderr
    );
}
