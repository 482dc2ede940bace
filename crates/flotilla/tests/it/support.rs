//! What every end-to-end test needs: the testkit's fleet builder and sandbox running this
//! crate's binary, and the independent clients that check the artifacts.

mod clients;
mod oci_image;

pub use clients::{chart_yaml, npm_install, pip_install, skopeo_inspect};
pub use flotilla_testkit::{Outcome, Sandbox};
pub use oci_image::oci_image;

/// The binary under test.
pub const FLOTILLA: &str = env!("CARGO_BIN_EXE_flotilla");

/// A fleet builder whose sandbox runs the binary under test.
pub fn fleet() -> flotilla_testkit::Fleet {
    flotilla_testkit::Fleet::new().binary(FLOTILLA)
}

/// An empty sandbox (no remotes, no manifest: `flotilla demo` makes both) running the binary
/// under test.
pub fn sandbox() -> Sandbox {
    Sandbox::new().binary(FLOTILLA)
}

/// Builds a command script that fails with exit code 3 until the file named by `env_var`
/// exists: the test "fixes the cause" by creating it, outside the repository, so the release
/// branch the run builds from needs no change.
pub fn fails_until_file_exists(env_var: &str) -> String {
    format!(
        "#!/bin/sh\nif [ ! -f \"${env_var}\" ]; then\n  echo \"build of $FLOTILLA_REPO broken: ${env_var} is missing\" >&2\n  exit 3\nfi\necho \"built $FLOTILLA_REPO $FLOTILLA_VERSION\"\n"
    )
}

/// Builds a command script that announces it started (by writing its process id to the file
/// named by `started_var`, suffixed with `.REPO`) and then waits until the file named by
/// `release_var` exists, so a test can act while the train is provably in this step.
pub fn waits_for_file(started_var: &str, release_var: &str) -> String {
    format!(
        "#!/bin/sh\necho $$ > \"${started_var}.$FLOTILLA_REPO.tmp\"\nmv \"${started_var}.$FLOTILLA_REPO.tmp\" \"${started_var}.$FLOTILLA_REPO\"\nwhile [ ! -f \"${release_var}\" ]; do sleep 0.05; done\necho \"built $FLOTILLA_REPO $FLOTILLA_VERSION\"\n"
    )
}

const WAITING_STARTED_VAR: &str = "FLOTILLA_E2E_STARTED";
const WAITING_RELEASE_VAR: &str = "FLOTILLA_E2E_RELEASE";

/// Gives the repository declared last a build command (on `on`) that writes its pid to
/// `outside("started.REPO")` and then waits until `outside("release")` exists (see
/// [`waits_for_file`]), once [`wire_waiting_builds`] has pointed it there.
pub fn waiting_build(fleet: flotilla_testkit::Fleet, on: &[&str]) -> flotilla_testkit::Fleet {
    fleet
        .file(
            "scripts/build.sh",
            &waits_for_file(WAITING_STARTED_VAR, WAITING_RELEASE_VAR),
        )
        .command("build", &["sh", "scripts/build.sh"], on)
}

/// Points the builds of [`waiting_build`] at the sandbox's `started` and `release` files.
pub fn wire_waiting_builds(sandbox: &mut Sandbox) {
    let started = sandbox.outside("started");
    let release = sandbox.outside("release");
    sandbox.set_env(WAITING_STARTED_VAR, started);
    sandbox.set_env(WAITING_RELEASE_VAR, release);
}

/// Whether a process is still running (a zombie nobody reaped yet counts as gone).
pub fn process_alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// `repo → status` of a train summary (`release status --json`).
pub fn run_states(summary: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    summary["runs"]
        .as_array()
        .expect("a train summary has runs")
        .iter()
        .map(|run| {
            (
                run["repo"].as_str().unwrap().to_owned(),
                run["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The run id of `repo` in a train summary.
pub fn run_id(summary: &serde_json::Value, repo: &str) -> String {
    summary["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["repo"] == repo)
        .unwrap_or_else(|| panic!("{repo} is not in the train:\n{summary:#}"))["run"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A `repo → status` map from pairs, to compare with [`run_states`].
pub fn states(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(repo, status)| ((*repo).to_owned(), (*status).to_owned()))
        .collect()
}

/// The tags of an OCI layout's index, as `org.opencontainers.image.ref.name` annotations.
pub fn layout_tags(layout: &std::path::Path) -> Vec<String> {
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(layout.join("index.json")).unwrap()).unwrap();
    let mut tags: Vec<String> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["annotations"]["org.opencontainers.image.ref.name"].as_str())
        .map(str::to_owned)
        .collect();
    tags.sort();
    tags
}

/// A `stg` environment deployed by GitOps to `remotes/deploy.git`'s `values/stg.yaml`, taking
/// release candidates and finals.
pub const STG_GITOPS: &str = "environments:
  - name: stg
    channels: [rc, final]
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/stg.yaml}";

/// The values file of [`STG_GITOPS`] before any deployment of identity.
pub const STG_VALUES: &str = "identity:\n  image:\n    version: 0.1.0\n";

/// The `KEY=value` lines of a text (the output of `env`, say), by key; a value spanning lines
/// keeps its first.
pub fn key_values(text: &str) -> std::collections::BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// `flotilla token create`: the token's text.
pub fn create_token(fleet: &Sandbox, name: &str, role: &str) -> String {
    let created = fleet
        .flotilla(&["token", "create", "--name", name, "--role", role, "--json"])
        .success()
        .json();
    assert_eq!(created["name"], name);
    assert_eq!(created["role"], role);
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("flt_") && token.len() > 40, "{token}");
    token
}

/// The id of the train `flotilla release status` shows (the latest).
pub fn latest_train(sandbox: &Sandbox) -> String {
    sandbox
        .flotilla(&["release", "status", "--json"])
        .success()
        .json()["train"]
        .as_str()
        .unwrap()
        .to_owned()
}
