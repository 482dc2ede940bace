//! The `StepExecutor` seam: an engine given another executor runs every step of a train
//! through it, and records what it reports.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use flotilla_core::plan::{Request, Step};
use flotilla_engine::demo::{self, DemoRegistries};
use flotilla_engine::{
    Engine, LocalExecutor, RunContext, RunSetup, StepError, StepExecutor, StepLog, StepOutput,
    Train, Workspace,
};
use flotilla_git::Git;
use flotilla_store::TrainStatus;

/// Executes locally, and writes down the steps it was asked to execute.
#[derive(Default)]
struct Recording {
    local: LocalExecutor,
    prepared: Mutex<Vec<String>>,
    executed: Mutex<Vec<String>>,
    finished: Mutex<u32>,
}

impl StepExecutor for Recording {
    fn prepare(&self, setup: RunSetup) -> Result<RunContext, StepError> {
        self.prepared.lock().unwrap().push(setup.repo.name.clone());
        self.local.prepare(setup)
    }

    fn execute(
        &self,
        ctx: &RunContext,
        step: &Step,
        log: &StepLog,
    ) -> Result<StepOutput, StepError> {
        self.executed
            .lock()
            .unwrap()
            .push(format!("{} {}", ctx.repo.name, step.name()));
        self.local.execute(ctx, step, log)
    }

    fn finish_train(
        &self,
        workspace: &Workspace,
        git: &Git,
        train: &Train,
    ) -> Vec<(String, Result<Option<String>, StepError>)> {
        *self.finished.lock().unwrap() += 1;
        self.local.finish_train(workspace, git, train)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_step_of_a_train_goes_through_the_engines_executor() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = demo::prepare(dir.path(), &Git::new(), &DemoRegistries::default()).unwrap();
    let text = std::fs::read_to_string(&manifest).unwrap();
    let fleet = flotilla_core::manifest::load("flotilla.yaml", &text).unwrap();
    let repo = fleet
        .repos
        .iter()
        .find(|r| r.handles(flotilla_core::fleet::Event::Push))
        .unwrap()
        .name
        .clone();
    let workspace = Workspace::open(fleet, &manifest).await.unwrap();
    let recording = Arc::new(Recording::default());
    let engine = Engine::new(
        workspace,
        flotilla_engine::progress::silent(),
        Arc::new(AtomicBool::new(false)),
    )
    .with_executor(Arc::clone(&recording) as Arc<dyn StepExecutor>);
    let request = Request::Push { repo: repo.clone() };
    let plan = engine.plan(&request).await.unwrap();

    let summary = engine.start(&request).await.unwrap();

    assert_eq!(summary.status, TrainStatus::Succeeded, "{summary:?}");
    assert_eq!(
        *recording.prepared.lock().unwrap(),
        std::slice::from_ref(&repo)
    );
    // Notifications are the runner's own; every other step is the executor's.
    let expected: Vec<String> = plan.runs[0]
        .steps
        .iter()
        .filter(|s| !matches!(s, Step::Notify { .. }))
        .map(|s| format!("{repo} {}", s.name()))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(*recording.executed.lock().unwrap(), expected);
    assert_eq!(*recording.finished.lock().unwrap(), 1);
}
