//! The GitHub Actions executor: the runner's side (`flotilla runner run-steps` in a checkout,
//! publishing to the real registries), and releases whose build and publish steps run on the
//! runner of the in-process fake GitHub (`flotilla_testkit::fake_github`).

use std::path::PathBuf;
use std::process::Command;

use crate::registries::clients::{pip_install_and_import, skopeo_inspect};
use crate::support::{FLOTILLA, Sandbox, fleet, run_states, states};
use flotilla_testkit::fake_github::{Dispatch, RunnerResult};
use flotilla_testkit::services::unique;
use flotilla_testkit::{FakeGithub, Registries, wait};

/// The reports `runner run-steps` printed: (step, kind, name, version, digest).
fn reported(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .filter_map(|l| l.split_once("flotilla-artifact: "))
        .map(|(_, json)| serde_json::from_str(json).unwrap())
        .collect()
}

/// A runner, given a checkout and the manifest, publishes only the named steps of the
/// repository's release to the real registries, and what it reports is what skopeo and pip
/// see; a step the manifest does not plan is refused before anything runs.
#[test]
fn the_runner_publishes_the_named_steps_from_a_checkout_to_real_registries() {
    let Some(registries) = Registries::get() else {
        return;
    };
    let suffix = unique("r");
    let (namespace, name) = (format!("fleet-{suffix}"), format!("tool-{suffix}"));
    let sandbox = fleet()
        .setting(&format!("image_namespace: {namespace}"))
        .section(&registries.section(&namespace))
        .repo(&name, "tool")
        .file(
            "scripts/build.sh",
            "#!/bin/sh\necho \"building $FLOTILLA_REPO $FLOTILLA_VERSION\"\n",
        )
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .build();
    let checkout = tempfile::tempdir().unwrap();
    let remote = sandbox.remote(&name);
    let cloned = Command::new("git")
        .arg("clone")
        .arg("-q")
        .arg(&remote)
        .arg(checkout.path())
        .status()
        .unwrap();
    assert!(cloned.success());

    let run = |steps: &str| {
        let mut command = sandbox.command(&[
            "runner",
            "run-steps",
            "--repo",
            &name,
            "--version",
            "1.0.0rc1",
            "--steps",
            steps,
            "--train",
            "T1",
            "--run",
            "R1",
        ]);
        command.current_dir(checkout.path());
        flotilla_testkit::Outcome::from_output(&command.output().unwrap())
    };

    let refused = run("build,publish-npm");
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("step `publish-npm` is not a runner step of 1.0.0rc1")
            && refused
                .stderr
                .contains("build, publish-python, publish-image"),
        "{}",
        refused.stderr
    );

    let out = run("build,publish-python,publish-image").success();
    assert!(
        out.stdout.contains(&format!("building {name} 1.0.0rc1")),
        "the command's output is in the log:\n{}",
        out.stdout
    );
    let reports = reported(&out.stdout);
    let image = reports
        .iter()
        .find(|r| r["kind"] == "image")
        .unwrap_or_else(|| panic!("no image reported:\n{}", out.stdout));
    let inspected = skopeo_inspect(
        registries.oci_host(),
        &format!("{namespace}/{name}:1.0.0rc1"),
    );
    assert_eq!(inspected["Digest"], image["digest"], "{}", out.stdout);
    let python: Vec<_> = reports.iter().filter(|r| r["kind"] == "python").collect();
    assert_eq!(python.len(), 2, "a wheel and an sdist: {reports:#?}");
    assert_eq!(
        pip_install_and_import(&registries.pypi, &name, "1.0.0rc1", &name.replace('-', "_")),
        format!("1.0.0rc1 {name}"),
    );

    // Running the same steps again (a re-run of the workflow) publishes nothing new.
    let again = run("publish-image").success();
    let image_again = reported(&again.stdout);
    assert_eq!(image_again.len(), 1, "{}", again.stdout);
    assert_eq!(image_again[0]["digest"], image["digest"]);
}

/// The token the fake requires and the sandbox's flotilla holds.
const TOKEN_ENV: &str = "FLOTILLA_TEST_GITHUB_TOKEN";
const TOKEN: &str = "ghs_fake-token-for-tests";

/// A repository of an [`Actions`] fleet: name, category, dependencies.
type RepoSpec<'a> = (&'a str, &'a str, &'a [&'a str]);

/// A fleet whose repositories run their builds on the fake GitHub's runner: the runner clones
/// the repository at the dispatched ref from its bare remote and runs the binary's `runner
/// run-steps` there with the same manifest (so the local registries are the same directories).
struct Actions {
    github: FakeGithub,
    sandbox: Sandbox,
}

impl Actions {
    /// Every repository has `executor: github-actions` and a `build` command on `tag`;
    /// `extra` goes into the manifest as is (registries, settings).
    fn new(repos: &[RepoSpec<'_>], extra: &[&str], github_keys: &str) -> Self {
        let github = FakeGithub::start();
        github.require_token(TOKEN);
        let mut builder = fleet();
        for section in extra {
            builder = if section.contains(": ") && !section.contains('\n') {
                builder.setting(section)
            } else {
                builder.section(section)
            };
        }
        builder = builder.section(&format!(
            "github:\n  owner: fleet\n  api_url: {}\n  insecure: true\n  auth: {{token_env: {TOKEN_ENV}}}\n  poll_interval_secs: 1\n{github_keys}",
            github.url
        ));
        for (name, category, depends_on) in repos {
            builder = builder
                .repo(name, category)
                .depends_on(depends_on)
                .repo_yaml("executor: github-actions")
                .file(
                    "scripts/build.sh",
                    "#!/bin/sh\necho \"built $FLOTILLA_REPO $FLOTILLA_VERSION on the runner\"\nif [ -n \"$FLOTILLA_E2E_HOLD\" ]; then while [ ! -f \"$FLOTILLA_E2E_HOLD\" ]; do sleep 0.05; done; fi\n",
                )
                .command("build", &["sh", "scripts/build.sh"], &["tag"]);
        }
        let mut sandbox = builder.build();
        sandbox.set_env(TOKEN_ENV, TOKEN);
        let actions = Self { github, sandbox };
        actions.runner(None, &[]);
        actions
    }

    /// The fake's runner: builds of `failing` repositories fail; with `hold`, builds wait for
    /// that file, after creating `<hold>.started.<repo>`.
    fn runner(&self, hold: Option<PathBuf>, failing: &[&str]) {
        let manifest = self.sandbox.manifest();
        let remotes = self.sandbox.root().join("remotes");
        let failing: Vec<String> = failing.iter().map(|s| (*s).to_owned()).collect();
        self.github.set_runner(move |dispatch: &Dispatch| {
            run_steps(&manifest, &remotes, dispatch, hold.as_deref(), &failing)
        });
    }

    fn dispatches_of(&self, repo: &str) -> usize {
        self.github
            .dispatches()
            .iter()
            .filter(|d| d.repo == repo)
            .count()
    }

    fn started(hold: &std::path::Path, repo: &str) -> PathBuf {
        hold.with_extension(format!("started.{repo}"))
    }
}

/// What the fake's runner does with a dispatch: clone at the ref, `flotilla runner run-steps`
/// with the dispatch's inputs; its output is the job's log, its exit status the conclusion.
fn run_steps(
    manifest: &std::path::Path,
    remotes: &std::path::Path,
    dispatch: &Dispatch,
    hold: Option<&std::path::Path>,
    failing: &[String],
) -> RunnerResult {
    let checkout = tempfile::tempdir().unwrap();
    let clone = Command::new("git")
        .args([
            "-c",
            "advice.detachedHead=false",
            "clone",
            "-q",
            "--branch",
            &dispatch.git_ref,
        ])
        .arg(remotes.join(format!("{}.git", dispatch.repo)))
        .arg(checkout.path())
        .output()
        .unwrap();
    if !clone.status.success() {
        return RunnerResult::failure(String::from_utf8_lossy(&clone.stderr).into_owned());
    }
    if failing.contains(&dispatch.repo) {
        return RunnerResult::failure("the build broke on the runner\n");
    }
    let input = |name: &str| dispatch.inputs.get(name).cloned().unwrap_or_default();
    let mut command = Command::new(FLOTILLA);
    command
        .arg("-f")
        .arg(manifest)
        .args(["runner", "run-steps", "--repo", &dispatch.repo])
        .args(["--version", &input("version"), "--steps", &input("steps")])
        .args(["--train", &input("train"), "--run", &input("run")])
        .current_dir(checkout.path())
        .env_remove(TOKEN_ENV)
        .env_remove("FLOTILLA_MANIFEST");
    if let Some(hold) = hold {
        command.env("FLOTILLA_E2E_HOLD", hold);
        std::fs::write(Actions::started(hold, &dispatch.repo), "").unwrap();
    }
    let out = command.output().unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        RunnerResult::success(log)
    } else {
        RunnerResult::failure(log)
    }
}

/// The run id of `repo` in a train summary.
fn run_id(summary: &serde_json::Value, repo: &str) -> String {
    summary["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == repo)
        .unwrap_or_else(|| panic!("no run of {repo} in {summary:#}"))["run"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A release whose builds run on the fake's runner: git steps on the host, one dispatch per
/// repository on the tag just pushed, the artifacts in the registries recorded, and `release
/// status` and `logs` show the runs with their jobs' logs.
#[test]
fn a_release_builds_on_the_fakes_runner_and_status_and_logs_show_the_runs() {
    let actions = Actions::new(
        &[("core", "backend-core", &[]), ("cli", "tool", &["core"])],
        &[],
        "",
    );
    let out = actions
        .sandbox
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    let summary = out.json();
    assert_eq!(
        run_states(&summary),
        states(&[("core", "succeeded"), ("cli", "succeeded")])
    );
    let dispatches = actions.github.dispatches();
    assert_eq!(dispatches.len(), 2, "{dispatches:#?}");
    let cli = dispatches.iter().find(|d| d.repo == "cli").unwrap();
    assert_eq!(cli.git_ref, "v1.0.0rc1");
    assert_eq!(cli.workflow, "flotilla-release.yml");
    assert_eq!(cli.inputs["steps"], "build,publish-python,publish-image");
    assert_eq!(cli.inputs["version"], "1.0.0rc1");
    assert_eq!(cli.inputs["run"], run_id(&summary, "cli"));
    assert!(
        cli.inputs["correlation"].ends_with("-001"),
        "{:?}",
        cli.inputs
    );
    // The tag was pushed by the host: the release commit is on it.
    assert_eq!(
        actions
            .sandbox
            .show("cli", "v1.0.0rc1", "VERSION")
            .as_deref(),
        Some("v1.0.0rc1\n")
    );

    // Recorded from the registries: the image's digest is the layout's.
    let status = actions
        .sandbox
        .flotilla(&["status", "--json"])
        .success()
        .json();
    let cli_status = status
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == "cli")
        .unwrap();
    let image = cli_status["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "image")
        .unwrap_or_else(|| panic!("{cli_status:#}"));
    let layout = actions.sandbox.artifacts().join("oci/fleet/cli");
    let inspected = crate::support::skopeo_inspect(&layout, "1.0.0rc1")
        .expect("skopeo finds the image the runner published");
    assert_eq!(inspected["Digest"], image["digest"]);

    let shown = actions.sandbox.flotilla(&["release", "status"]).success();
    assert!(
        shown.stdout.contains("cli") && shown.stdout.contains("succeeded"),
        "{}",
        shown.stdout
    );
    let logs = actions
        .sandbox
        .flotilla(&["logs", &run_id(&summary, "cli")])
        .success();
    for needle in [
        "on a GitHub Actions runner of fleet/cli",
        "# workflow run: http",
        "## job release",
        "built cli 1.0.0rc1 on the runner",
        "flotilla-artifact: ",
    ] {
        assert!(
            logs.stdout.contains(needle),
            "{needle:?} not in:\n{}",
            logs.stdout
        );
    }
    assert!(
        !logs.stdout.contains(TOKEN),
        "the token never reaches a log"
    );
}

/// `kill -9` of flotilla while a workflow run is in flight, then `release resume`: the run is
/// found by its correlation id and waited for, never dispatched again.
#[test]
fn resume_after_kill_re_attaches_to_the_run_in_flight_without_a_second_dispatch() {
    let actions = Actions::new(&[("cli", "tool", &[])], &[], "");
    let hold = actions.sandbox.outside("hold");
    actions.runner(Some(hold.clone()), &[]);
    let args = ["release", "start", "1.0.0"];
    let mut child = actions.sandbox.spawn(&args);
    wait::for_file_from(&Actions::started(&hold, "cli"), &mut child);
    child.kill().unwrap();
    wait::for_exit(&mut child);
    std::fs::write(&hold, "").unwrap();

    let out = actions
        .sandbox
        .flotilla(&["release", "resume", "--json"])
        .success();
    assert_eq!(run_states(&out.json()), states(&[("cli", "succeeded")]));
    assert_eq!(
        actions.dispatches_of("cli"),
        1,
        "{:#?}",
        actions.github.dispatches()
    );
    let logs = actions
        .sandbox
        .flotilla(&["logs", &run_id(&out.json(), "cli")])
        .success();
    assert!(
        logs.stdout
            .contains("re-attached to the workflow run in flight")
            || logs.stdout.contains("already succeeded"),
        "{}",
        logs.stdout
    );
}

/// `release cancel` while a run is in flight: the driver is interrupted, the workflow run is
/// cancelled on GitHub and the train's run ends cancelled; `resume` dispatches a new attempt.
#[test]
fn release_cancel_cancels_the_workflow_run_in_flight() {
    let actions = Actions::new(&[("cli", "tool", &[])], &[], "");
    let hold = actions.sandbox.outside("hold");
    actions.runner(Some(hold.clone()), &[]);
    let args = ["release", "start", "1.0.0"];
    let mut child = actions.sandbox.spawn(&args);
    wait::for_file_from(&Actions::started(&hold, "cli"), &mut child);
    // The driver is waiting on the run once the fake has been asked about it.
    wait::while_running(&mut child, "a poll of the run", || {
        (actions.github.calls(FakeGithub::GET_RUN) > 0).then_some(())
    });

    let cancelled = actions.sandbox.flotilla(&["release", "cancel"]).success();
    assert!(cancelled.stdout.contains("cancelled"), "{cancelled:?}");
    let status = wait::for_exit(&mut child);
    assert!(!status.success());
    assert_eq!(actions.github.cancels(), 1);
    std::fs::write(&hold, "").unwrap();
    let shown = actions
        .sandbox
        .flotilla(&["release", "status", "--json"])
        .success();
    assert_eq!(run_states(&shown.json()), states(&[("cli", "cancelled")]));
    assert_eq!(actions.dispatches_of("cli"), 1);

    // Resuming finds the cancelled attempt and dispatches the next one.
    let resumed = actions
        .sandbox
        .flotilla(&["release", "resume", "--json"])
        .success();
    assert_eq!(run_states(&resumed.json()), states(&[("cli", "succeeded")]));
    let correlations: Vec<String> = actions
        .github
        .dispatches()
        .iter()
        .map(|d| d.inputs["correlation"].clone())
        .collect();
    assert_eq!(correlations.len(), 2, "{correlations:?}");
    assert!(
        correlations[0].ends_with("-001") && correlations[1].ends_with("-002"),
        "{correlations:?}"
    );
}

/// A run that fails on the runner fails its repository with the run's page in the error and
/// blocks only its dependents; a lost dispatch is made once more.
#[test]
fn a_failed_run_blocks_only_dependents_and_a_lost_dispatch_is_made_again() {
    let actions = Actions::new(
        &[
            ("core", "backend-core", &[]),
            ("cli", "tool", &["core"]),
            ("bot", "plugin", &[]),
        ],
        &[],
        "  dispatch_timeout_secs: 2\n",
    );
    actions.runner(None, &["core"]);
    actions.github.lose_next_dispatches(1);
    let out = actions
        .sandbox
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure();
    let summary = out.json();
    assert_eq!(
        run_states(&summary),
        states(&[("core", "failed"), ("cli", "blocked"), ("bot", "succeeded")])
    );
    let core = summary["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == "core")
        .unwrap();
    let error = core["error"].as_str().unwrap();
    assert!(
        error.contains("ended failure") && error.contains("/actions/runs/"),
        "{error}"
    );
    assert_eq!(actions.dispatches_of("cli"), 0);
    let lost = actions
        .github
        .dispatches()
        .iter()
        .filter(|d| d.run_id.is_none())
        .count();
    assert_eq!(lost, 1);
    assert_eq!(
        actions.github.dispatches().len(),
        3,
        "core, bot, and the one lost dispatch made again"
    );
}

/// Two lost dispatches: the step fails saying what to check, and nothing else is dispatched.
#[test]
fn a_dispatch_lost_twice_fails_the_run_with_what_to_check() {
    let actions = Actions::new(&[("cli", "tool", &[])], &[], "  dispatch_timeout_secs: 1\n");
    actions.github.lose_next_dispatches(2);
    let out = actions
        .sandbox
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure();
    let summary = out.json();
    let error = summary["runs"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("appeared within 1 s of each of two dispatches")
            && error.contains("run-name: flotilla ${{ inputs.correlation }}"),
        "{error}"
    );
    assert_eq!(actions.dispatches_of("cli"), 2);
}

/// A train of 30 repositories in three waves whose runners publish to the real docker-registry
/// and pypiserver: every wave gated on the previous wave's packages there, one dispatch per
/// repository, what flotilla records is what skopeo and pip see, and the API calls per run
/// stay bounded.
#[test]
fn a_train_of_30_repositories_builds_on_runners_with_gates_on_real_registries() {
    let Some(registries) = Registries::get() else {
        return;
    };
    let suffix = unique("g");
    let namespace = format!("fleet-{suffix}");
    let cores: Vec<String> = (0..6).map(|i| format!("core{i}-{suffix}")).collect();
    let tools: Vec<String> = (0..24).map(|i| format!("tool{i}-{suffix}")).collect();
    let mut specs: Vec<(String, &str, Vec<String>)> = Vec::new();
    for core in &cores {
        specs.push((core.clone(), "backend-core", Vec::new()));
    }
    for (i, tool) in tools.iter().enumerate() {
        let dependency = if i < 12 {
            cores[i % cores.len()].clone()
        } else {
            tools[i - 12].clone()
        };
        specs.push((tool.clone(), "tool", vec![dependency]));
    }
    let depends: Vec<Vec<&str>> = specs
        .iter()
        .map(|(_, _, d)| d.iter().map(String::as_str).collect())
        .collect();
    let repos: Vec<RepoSpec<'_>> = specs
        .iter()
        .zip(&depends)
        .map(|((name, category, _), d)| (name.as_str(), *category, d.as_slice()))
        .collect();
    let actions = Actions::new(
        &repos,
        &[
            &format!("image_namespace: {namespace}"),
            &registries.section(&namespace),
        ],
        "",
    );

    let out = actions
        .sandbox
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    let summary = out.json();
    let expected: Vec<(&str, &str)> = specs
        .iter()
        .map(|(name, _, _)| (name.as_str(), "succeeded"))
        .collect();
    assert_eq!(run_states(&summary), states(&expected));
    let waves: std::collections::BTreeSet<u64> = summary["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["wave"].as_u64().unwrap())
        .collect();
    assert_eq!(
        waves.len(),
        3,
        "cores, their dependents, theirs: {summary:#}"
    );
    for (name, _, _) in &specs {
        assert_eq!(actions.dispatches_of(name), 1, "{name}: one dispatch");
    }

    // The last wave's packages install from pypiserver with pip; images are what skopeo sees.
    let status = actions
        .sandbox
        .flotilla(&["status", "--json"])
        .success()
        .json();
    for tool in [&tools[12], &tools[23]] {
        assert_eq!(
            pip_install_and_import(&registries.pypi, tool, "1.0.0rc1", &tool.replace('-', "_")),
            format!("1.0.0rc1 {tool}"),
        );
        let recorded = status
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["repo"] == tool.as_str())
            .and_then(|r| {
                r["artifacts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["kind"] == "image")
                    .cloned()
            })
            .unwrap_or_else(|| panic!("no image of {tool} recorded"));
        let inspected = skopeo_inspect(
            registries.oci_host(),
            &format!("{namespace}/{tool}:1.0.0rc1"),
        );
        assert_eq!(inspected["Digest"], recorded["digest"]);
    }
    let calls = actions.github.total_calls();
    eprintln!("API calls of the fake for 30 runs: {calls}");
    assert!(
        calls <= 30 * 12,
        "{calls} API calls for 30 runs: more than 12 a run"
    );
}

/// A slow GitHub that answers 5xx and rate-limits for a while: the client waits and retries,
/// and the release goes through with one dispatch.
#[test]
fn transient_api_faults_and_rate_limits_do_not_fail_the_release() {
    let actions = Actions::new(&[("cli", "tool", &[])], &[], "");
    actions
        .github
        .set_latency(std::time::Duration::from_millis(50));
    actions.github.fail_next_calls(2);
    actions.github.secondary_rate_limit(1, 1);
    let out = actions
        .sandbox
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    assert_eq!(run_states(&out.json()), states(&[("cli", "succeeded")]));
    assert_eq!(actions.dispatches_of("cli"), 1);
    assert!(actions.github.rate_limited() >= 1);
}

/// Without the token the run fails at its first runner step, naming the variable, after the
/// host's git steps; `resume` with the token set finishes it with one dispatch.
#[test]
fn a_missing_token_fails_the_run_by_name_and_resume_finishes_it() {
    let mut actions = Actions::new(&[("cli", "tool", &[])], &[], "");
    actions.sandbox.set_env(TOKEN_ENV, "");
    let out = actions
        .sandbox
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure();
    let error = out.json()["runs"][0]["error"].as_str().unwrap().to_owned();
    assert!(error.contains(TOKEN_ENV), "{error}");
    assert_eq!(actions.github.total_calls(), 0);
    assert!(
        actions
            .sandbox
            .tags("cli")
            .contains(&"v1.0.0rc1".to_owned())
    );

    actions.sandbox.set_env(TOKEN_ENV, TOKEN);
    let resumed = actions
        .sandbox
        .flotilla(&["release", "resume", "--json"])
        .success();
    assert_eq!(run_states(&resumed.json()), states(&[("cli", "succeeded")]));
    assert_eq!(actions.dispatches_of("cli"), 1);
}
