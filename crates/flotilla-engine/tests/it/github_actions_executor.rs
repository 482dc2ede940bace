//! The GitHub Actions executor through the engine, with an in-process test double of the CI
//! service whose "runner" clones the repository at the dispatched tag and executes the
//! dispatched steps with the runner's own code ([`StepRunner`]): git steps stay with the
//! engine, builds happen on the runner, and what the runner published is recorded from the
//! registries.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use flotilla_engine::{
    ArtifactReport, GithubRepo, StepLog, StepRunner, WorkflowConclusion, WorkflowError,
    WorkflowRun, WorkflowRunStatus, WorkflowRuns, Workspace,
};
use flotilla_store::TrainStatus;
use flotilla_testkit::{Fleet, Sandbox};

use crate::support::{engine, release_start, run};

/// A dispatch as the double received it: repository, ref, inputs.
type Dispatched = (String, String, BTreeMap<String, String>);

/// A test double of GitHub Actions, in memory: a dispatch starts a thread that plays the
/// runner; runs are listed as soon as they are dispatched.
struct InProcessActions {
    manifest: PathBuf,
    remotes: PathBuf,
    state: Arc<Mutex<Vec<(WorkflowRun, String)>>>,
    dispatched: Mutex<Vec<Dispatched>>,
    /// Repositories whose runner fails.
    failing: Vec<String>,
    calls: AtomicU64,
}

impl InProcessActions {
    fn new(sandbox: &Sandbox, failing: &[&str]) -> Self {
        Self {
            manifest: sandbox.manifest(),
            remotes: sandbox.root().join("remotes"),
            state: Arc::default(),
            dispatched: Mutex::default(),
            failing: failing.iter().map(|s| (*s).to_owned()).collect(),
            calls: AtomicU64::new(0),
        }
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

/// Clones `repo` at `git_ref` and runs the dispatched steps; the job's log and whether it
/// succeeded.
fn play_runner(
    manifest: &Path,
    remote: &Path,
    git_ref: &str,
    inputs: &BTreeMap<String, String>,
) -> (String, bool) {
    let checkout = tempfile::tempdir().unwrap();
    let cloned = Command::new("git")
        .args([
            "-c",
            "advice.detachedHead=false",
            "clone",
            "-q",
            "--branch",
            git_ref,
        ])
        .arg(remote)
        .arg(checkout.path())
        .status()
        .unwrap();
    assert!(
        cloned.success(),
        "the tag {git_ref} was pushed before the dispatch"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let text = std::fs::read_to_string(manifest).unwrap();
    let fleet = flotilla_core::manifest::load("flotilla.yaml", &text).unwrap();
    let state = tempfile::tempdir().unwrap();
    let workspace = runtime
        .block_on(Workspace::open_with_state(
            fleet,
            manifest,
            Some(state.path().to_owned()),
        ))
        .unwrap();
    let names: Vec<String> = inputs["steps"].split(',').map(str::to_owned).collect();
    let runner = StepRunner::prepare(
        workspace,
        &inputs["repo"],
        &inputs["version"],
        &names,
        checkout.path(),
        Arc::new(AtomicBool::new(false)),
    )
    .unwrap();
    let mut log_text = String::new();
    for (index, step) in runner.steps().iter().enumerate() {
        let path = state.path().join(format!("{index}.log"));
        let log = StepLog::create(&path, Arc::clone(&runner.workspace().redactor)).unwrap();
        let outcome = runner.execute(step, &log);
        log_text.push_str(&std::fs::read_to_string(&path).unwrap());
        match outcome {
            Ok(done) => {
                for published in &done.artifacts {
                    log_text.push_str(&ArtifactReport::new(step.name(), published).line());
                    log_text.push('\n');
                }
            }
            Err(err) => {
                log_text.push_str(&format!("error: {err}\n"));
                return (log_text, false);
            }
        }
    }
    (log_text, true)
}

impl WorkflowRuns for InProcessActions {
    fn dispatch(
        &self,
        repo: &GithubRepo,
        workflow: &str,
        git_ref: &str,
        inputs: &BTreeMap<String, String>,
    ) -> Result<(), WorkflowError> {
        self.count();
        self.dispatched.lock().unwrap().push((
            repo.name.clone(),
            git_ref.to_owned(),
            inputs.clone(),
        ));
        let id = {
            let mut state = self.state.lock().unwrap();
            let id = state.len() as u64 + 1;
            state.push((
                WorkflowRun {
                    id,
                    name: format!("flotilla {}", inputs["correlation"]),
                    status: WorkflowRunStatus::InProgress,
                    conclusion: None,
                    html_url: format!("https://github.test/{repo}/actions/runs/{id}"),
                },
                String::new(),
            ));
            id
        };
        let mut inputs = inputs.clone();
        inputs.insert("repo".to_owned(), repo.name.clone());
        let (manifest, remote) = (
            self.manifest.clone(),
            self.remotes.join(format!("{}.git", repo.name)),
        );
        let fails = self.failing.contains(&repo.name);
        let (state, git_ref, workflow) = (
            Arc::clone(&self.state),
            git_ref.to_owned(),
            workflow.to_owned(),
        );
        std::thread::spawn(move || {
            let (log, ok) = if fails {
                (format!("{workflow}: the build broke\n"), false)
            } else {
                play_runner(&manifest, &remote, &git_ref, &inputs)
            };
            let mut state = state.lock().unwrap();
            let (run, text) = &mut state[usize::try_from(id).unwrap() - 1];
            run.status = WorkflowRunStatus::Completed;
            run.conclusion = Some(if ok {
                WorkflowConclusion::Success
            } else {
                WorkflowConclusion::Failure
            });
            *text = log;
        });
        Ok(())
    }

    fn find(
        &self,
        _: &GithubRepo,
        _: &str,
        correlation: &str,
    ) -> Result<Option<WorkflowRun>, WorkflowError> {
        self.count();
        let state = self.state.lock().unwrap();
        Ok(state
            .iter()
            .rev()
            .find(|(run, _)| run.name.contains(correlation))
            .map(|(run, _)| run.clone()))
    }

    fn wait(
        &self,
        _: &GithubRepo,
        run_id: u64,
        cancel: &AtomicBool,
    ) -> Result<WorkflowRun, WorkflowError> {
        loop {
            self.count();
            let run = self.state.lock().unwrap()[usize::try_from(run_id).unwrap() - 1]
                .0
                .clone();
            if run.is_completed() || cancel.load(Ordering::SeqCst) {
                return Ok(run);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn logs(&self, _: &GithubRepo, run_id: u64) -> Result<Vec<(String, String)>, WorkflowError> {
        self.count();
        let state = self.state.lock().unwrap();
        Ok(vec![(
            "release".to_owned(),
            state[usize::try_from(run_id).unwrap() - 1].1.clone(),
        )])
    }

    fn cancel(&self, _: &GithubRepo, _: u64) -> Result<(), WorkflowError> {
        self.count();
        Ok(())
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

/// `core`, a library, and `identity`, a service depending on it; both build on runners.
fn fleet() -> Sandbox {
    Fleet::new()
        .section("github:\n  owner: fleet\n  api_url: https://github.invalid\n  dispatch_timeout_secs: 5\n  poll_interval_secs: 1")
        .repo("core", "backend-core")
        .repo_yaml("executor: github-actions")
        .repo("identity", "backend")
        .depends_on(&["core"])
        .repo_yaml("executor: github-actions")
        .build()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_train_builds_on_runners_and_records_what_the_registries_hold() {
    let sandbox = fleet();
    let actions = Arc::new(InProcessActions::new(&sandbox, &[]));
    let engine = engine(&sandbox, flotilla_engine::progress::silent())
        .await
        .with_workflow_runs(Arc::clone(&actions) as Arc<dyn WorkflowRuns>);

    let summary = engine.start(&release_start("1.0.0")).await.unwrap();
    assert_eq!(summary.status, TrainStatus::Succeeded, "{summary:#?}");

    let dispatched = actions.dispatched.lock().unwrap().clone();
    let of = |repo: &str| {
        dispatched
            .iter()
            .filter(|(r, _, _)| r == repo)
            .map(|(_, git_ref, inputs)| (git_ref.clone(), inputs.clone()))
            .collect::<Vec<_>>()
    };
    let core = of("core");
    assert_eq!(core.len(), 1, "one dispatch per run: {dispatched:#?}");
    assert_eq!(core[0].0, "v1.0.0rc1", "on the tag the engine pushed");
    assert_eq!(core[0].1["steps"], "publish-python");
    assert_eq!(core[0].1["version"], "1.0.0rc1");
    assert_eq!(core[0].1["train"], summary.train);
    assert_eq!(core[0].1["run"], run(&summary, "core").run);
    let identity = of("identity");
    assert_eq!(identity.len(), 1);
    // The chart goes to a directory chart repository, indexed at the train's end from what
    // the host holds: the host packages it.
    assert_eq!(identity[0].1["steps"], "publish-python,publish-image");

    // What the store recorded is what the runner published, found in the registries.
    let store = &engine.workspace().store;
    let train = flotilla_store::Id::parse(&summary.train).unwrap();
    let recorded = store.artifacts_of_train(&train).await.unwrap();
    let reported: Vec<ArtifactReport> = actions
        .state
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(_, log)| ArtifactReport::parse_all(log))
        .collect();
    let from_runners: Vec<_> = recorded
        .iter()
        .filter(|a| a.kind != flotilla_core::ArtifactKind::Chart)
        .collect();
    assert_eq!(
        from_runners.len(),
        reported.len(),
        "{recorded:#?}\n{reported:#?}"
    );
    assert!(
        recorded
            .iter()
            .any(|a| a.kind == flotilla_core::ArtifactKind::Chart)
    );
    for report in &reported {
        assert!(
            recorded.iter().any(|a| a.name == report.name
                && a.version == report.version
                && a.digest == report.digest.to_string()),
            "{report:?} not recorded in {recorded:#?}"
        );
    }
    assert!(
        recorded
            .iter()
            .any(|a| a.kind == flotilla_core::ArtifactKind::Image)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_runner_fails_its_run_with_the_run_page_and_blocks_only_its_dependents() {
    let sandbox = Fleet::new()
        .section(
            "github:\n  owner: fleet\n  api_url: https://github.invalid\n  poll_interval_secs: 1",
        )
        .repo("core", "backend-core")
        .repo_yaml("executor: github-actions")
        .repo("identity", "backend")
        .depends_on(&["core"])
        .repo_yaml("executor: github-actions")
        .repo("ctl", "tool")
        .build();
    let actions = Arc::new(InProcessActions::new(&sandbox, &["core"]));
    let engine = engine(&sandbox, flotilla_engine::progress::silent())
        .await
        .with_workflow_runs(Arc::clone(&actions) as Arc<dyn WorkflowRuns>);

    let summary = engine.start(&release_start("1.0.0")).await.unwrap();
    assert_eq!(summary.status, TrainStatus::Failed, "{summary:#?}");
    let core = run(&summary, "core");
    assert_eq!(core.status, flotilla_store::RunStatus::Failed);
    let error = core.error.as_deref().unwrap();
    assert!(
        error.contains("ended failure")
            && error.contains("https://github.test/fleet/core/actions/runs/1"),
        "{error}"
    );
    assert_eq!(
        run(&summary, "identity").status,
        flotilla_store::RunStatus::Blocked
    );
    assert_eq!(
        run(&summary, "ctl").status,
        flotilla_store::RunStatus::Succeeded,
        "a local repository"
    );
    assert_eq!(
        actions.dispatched.lock().unwrap().len(),
        1,
        "only core ran on a runner"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_master_push_build_stays_on_the_host() {
    let sandbox = fleet();
    let actions = Arc::new(InProcessActions::new(&sandbox, &[]));
    let engine = engine(&sandbox, flotilla_engine::progress::silent())
        .await
        .with_workflow_runs(Arc::clone(&actions) as Arc<dyn WorkflowRuns>);
    let summary = engine
        .start(&crate::support::push("identity"))
        .await
        .unwrap();
    assert_eq!(summary.status, TrainStatus::Succeeded, "{summary:#?}");
    assert!(
        actions.dispatched.lock().unwrap().is_empty(),
        "GitHub builds master pushes itself (flotilla-dev.yml); flotilla's own push flow builds here"
    );
}
