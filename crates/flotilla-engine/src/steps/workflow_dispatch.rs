//! One repository run's workflow on the CI service: found again by its correlation id when it
//! was dispatched before (re-attached while in flight, reused once it succeeded), dispatched
//! as a new attempt otherwise, followed to its end, its jobs' logs copied out. Nothing runs
//! twice: a crashed or resumed train finds the run it dispatched instead of dispatching again.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::workflow_runs::{
    GithubRepo, WorkflowConclusion, WorkflowError, WorkflowRun, WorkflowRuns,
};

/// The most attempts of one run's workflow: three digits keep every correlation id the same
/// length, so that no id is a part of another (`find` matches names that contain it).
const MAX_ATTEMPTS: u32 = 999;

/// Everything that decides one run's workflow.
pub struct WorkflowDispatch<'a> {
    pub runs: &'a dyn WorkflowRuns,
    /// The flotilla repository's name, for messages.
    pub repo_name: &'a str,
    pub repo: GithubRepo,
    pub workflow: &'a str,
    /// The tag (or branch) the runner checks out.
    pub git_ref: &'a str,
    /// `version`, `train`, `run` and `steps`; `correlation` is added per attempt.
    pub inputs: BTreeMap<String, String>,
    /// `<train>-<run>`: the attempt number is appended.
    pub correlation_base: String,
    pub dispatch_timeout: Duration,
    pub poll_interval: Duration,
    pub cancel: &'a AtomicBool,
}

/// A workflow run that completed with success.
#[derive(Debug, Clone)]
pub struct DispatchOutcome {
    pub run: WorkflowRun,
    pub attempt: u32,
    /// Whether this call dispatched it (else it was found: re-attached or reused).
    pub dispatched: bool,
    /// Each job's name and log.
    pub logs: Vec<(String, String)>,
}

impl WorkflowDispatch<'_> {
    /// The correlation id of `attempt`: unique per dispatch, the same in every process.
    pub fn correlation(&self, attempt: u32) -> String {
        format!("{}-{attempt:03}", self.correlation_base)
    }

    /// Finds or dispatches the run, waits for it, copies its logs to `say` and maps its
    /// conclusion: success is the outcome; anything else an error whose help links the run.
    pub fn run(&self, say: &dyn Fn(String)) -> Result<DispatchOutcome, StepError> {
        let (found, attempt) = self.latest_attempt()?;
        let (run, dispatched) = match found {
            Some(run) if !run.is_completed() => {
                say(format!(
                    "# re-attached to the workflow run in flight (attempt {attempt}): {}",
                    run.html_url
                ));
                (run, false)
            }
            Some(run) => {
                say(format!(
                    "# the workflow run of attempt {attempt} already succeeded: {}",
                    run.html_url
                ));
                (run, false)
            }
            None => (self.dispatch(attempt, say)?, true),
        };
        let run = if run.is_completed() {
            run
        } else {
            self.wait(&run, say)?
        };
        let logs = self.api(self.runs.logs(&self.repo, run.id))?;
        for (job, text) in &logs {
            say(format!("## job {job}"));
            for line in text.lines() {
                say(line.to_owned());
            }
        }
        match &run.conclusion {
            Some(WorkflowConclusion::Success) => Ok(DispatchOutcome {
                run,
                attempt,
                dispatched,
                logs,
            }),
            other => {
                let conclusion = other
                    .as_ref()
                    .map_or("without a conclusion", WorkflowConclusion::as_str)
                    .to_owned();
                Err(StepError::from(StepErrorKind::WorkflowRunFailed {
                    repo: self.repo_name.to_owned(),
                    workflow: self.workflow.to_owned(),
                    conclusion,
                    url: run.html_url.clone(),
                })
                .with_help(format!(
                    "see the run's jobs at {} (its logs are in `flotilla logs`); fix the cause, then `flotilla release resume` dispatches a new attempt",
                    run.html_url
                )))
            }
        }
    }

    /// The newest attempt that exists and did not fail, or the number of the next one: a
    /// failed, cancelled or timed-out attempt is followed by a new one.
    fn latest_attempt(&self) -> Result<(Option<WorkflowRun>, u32), StepError> {
        for attempt in 1..=MAX_ATTEMPTS {
            let correlation = self.correlation(attempt);
            match self.api(self.runs.find(&self.repo, self.workflow, &correlation))? {
                None => return Ok((None, attempt)),
                Some(run)
                    if !run.is_completed()
                        || run.conclusion == Some(WorkflowConclusion::Success) =>
                {
                    return Ok((Some(run), attempt));
                }
                Some(_) => {}
            }
        }
        Err(StepError::from(StepErrorKind::Workflow {
            repo: self.repo_name.to_owned(),
            message: format!("{MAX_ATTEMPTS} attempts of {} failed", self.workflow),
        }))
    }

    /// Dispatches `attempt` and finds the run it started; a dispatch whose run does not appear
    /// within the timeout is taken as lost and made once more.
    fn dispatch(&self, attempt: u32, say: &dyn Fn(String)) -> Result<WorkflowRun, StepError> {
        let correlation = self.correlation(attempt);
        let mut inputs = self.inputs.clone();
        inputs.insert("correlation".to_owned(), correlation.clone());
        for round in 0..2 {
            if round == 1 {
                say(format!(
                    "# no run appeared within {} s: dispatching once more",
                    self.dispatch_timeout.as_secs()
                ));
            }
            self.api(
                self.runs
                    .dispatch(&self.repo, self.workflow, self.git_ref, &inputs),
            )?;
            say(format!(
                "# dispatched {} on {} of {} (attempt {attempt}, correlation {correlation})",
                self.workflow, self.git_ref, self.repo
            ));
            let deadline = Instant::now() + self.dispatch_timeout;
            loop {
                if let Some(run) =
                    self.api(self.runs.find(&self.repo, self.workflow, &correlation))?
                {
                    say(format!("# workflow run: {}", run.html_url));
                    return Ok(run);
                }
                if self.cancel.load(Ordering::SeqCst) {
                    return Err(StepErrorKind::Cancelled.into());
                }
                if Instant::now() >= deadline {
                    break;
                }
                self.pause(deadline);
            }
        }
        Err(StepError::from(StepErrorKind::DispatchLost {
            repo: self.repo_name.to_owned(),
            workflow: self.workflow.to_owned(),
            correlation,
            waited_secs: self.dispatch_timeout.as_secs(),
        })
        .with_help(format!(
            "check that {} has `.github/workflows/{}` on {} with `run-name: flotilla ${{{{ inputs.correlation }}}}` and a `workflow_dispatch` trigger, and that the token may run workflows; then `flotilla release resume`",
            self.repo, self.workflow, self.git_ref
        )))
    }

    /// Waits for the run; once the cancel flag is set, cancels it and fails.
    fn wait(&self, run: &WorkflowRun, say: &dyn Fn(String)) -> Result<WorkflowRun, StepError> {
        let seen = self.api(self.runs.wait(&self.repo, run.id, self.cancel))?;
        if self.cancel.load(Ordering::SeqCst) && !seen.is_completed() {
            self.api(self.runs.cancel(&self.repo, run.id))?;
            say(format!("# cancelled the workflow run {}", run.html_url));
            return Err(StepErrorKind::Cancelled.into());
        }
        Ok(seen)
    }

    /// Sleeps one poll interval, or less before `deadline`, waking early on cancel.
    fn pause(&self, deadline: Instant) {
        let until = (Instant::now() + self.poll_interval).min(deadline);
        while Instant::now() < until && !self.cancel.load(Ordering::SeqCst) {
            std::thread::sleep(
                until
                    .saturating_duration_since(Instant::now())
                    .min(Duration::from_millis(50)),
            );
        }
    }

    fn api<T>(&self, result: Result<T, WorkflowError>) -> Result<T, StepError> {
        result.map_err(|err| {
            let help = err.help.clone();
            let error = StepError::from(StepErrorKind::Workflow {
                repo: self.repo_name.to_owned(),
                message: err.message,
            });
            match help {
                Some(help) => error.with_help(help),
                None => error,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicU64;

    use super::*;
    use crate::steps::workflow_runs::WorkflowRunStatus;

    /// A test double of the CI service, in memory: a dispatch creates a run at once (unless
    /// told to lose it), completed with the next scripted conclusion, or left in progress.
    #[derive(Default)]
    struct InMemoryWorkflowRuns {
        runs: Mutex<Vec<WorkflowRun>>,
        dispatched: Mutex<Vec<BTreeMap<String, String>>>,
        /// Conclusions of the next dispatched runs; `None` leaves a run in progress.
        script: Mutex<Vec<Option<WorkflowConclusion>>>,
        lose_dispatches: Mutex<u32>,
        cancelled: Mutex<Vec<u64>>,
        calls: AtomicU64,
    }

    impl InMemoryWorkflowRuns {
        fn add(&self, name: &str, conclusion: Option<WorkflowConclusion>) -> u64 {
            let mut runs = self.runs.lock().unwrap();
            let id = runs.len() as u64 + 1;
            runs.push(WorkflowRun {
                id,
                name: name.to_owned(),
                status: if conclusion.is_some() {
                    WorkflowRunStatus::Completed
                } else {
                    WorkflowRunStatus::InProgress
                },
                conclusion,
                html_url: format!("https://github.test/o/r/actions/runs/{id}"),
            });
            id
        }

        fn dispatch_count(&self) -> usize {
            self.dispatched.lock().unwrap().len()
        }

        fn complete(&self, id: u64, conclusion: WorkflowConclusion) {
            let mut runs = self.runs.lock().unwrap();
            let run = runs.iter_mut().find(|r| r.id == id).unwrap();
            run.status = WorkflowRunStatus::Completed;
            run.conclusion = Some(conclusion);
        }
    }

    impl WorkflowRuns for InMemoryWorkflowRuns {
        fn dispatch(
            &self,
            _: &GithubRepo,
            _: &str,
            _: &str,
            inputs: &BTreeMap<String, String>,
        ) -> Result<(), WorkflowError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.dispatched.lock().unwrap().push(inputs.clone());
            let mut lose = self.lose_dispatches.lock().unwrap();
            if *lose > 0 {
                *lose -= 1;
                return Ok(());
            }
            let conclusion = {
                let mut script = self.script.lock().unwrap();
                if script.is_empty() {
                    Some(WorkflowConclusion::Success)
                } else {
                    script.remove(0)
                }
            };
            self.add(&format!("flotilla {}", inputs["correlation"]), conclusion);
            Ok(())
        }

        fn find(
            &self,
            _: &GithubRepo,
            _: &str,
            correlation: &str,
        ) -> Result<Option<WorkflowRun>, WorkflowError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(self
                .runs
                .lock()
                .unwrap()
                .iter()
                .rev()
                .find(|r| r.name.contains(correlation))
                .cloned())
        }

        fn wait(
            &self,
            _: &GithubRepo,
            run_id: u64,
            cancel: &AtomicBool,
        ) -> Result<WorkflowRun, WorkflowError> {
            loop {
                self.calls.fetch_add(1, Ordering::SeqCst);
                let run = self.runs.lock().unwrap()[usize::try_from(run_id).unwrap() - 1].clone();
                if run.is_completed() || cancel.load(Ordering::SeqCst) {
                    return Ok(run);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }

        fn logs(
            &self,
            _: &GithubRepo,
            run_id: u64,
        ) -> Result<Vec<(String, String)>, WorkflowError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(vec![(
                "release".to_owned(),
                format!("log of run {run_id}\n"),
            )])
        }

        fn cancel(&self, _: &GithubRepo, run_id: u64) -> Result<(), WorkflowError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.cancelled.lock().unwrap().push(run_id);
            self.complete(run_id, WorkflowConclusion::Cancelled);
            Ok(())
        }

        fn calls(&self) -> u64 {
            self.calls.load(Ordering::SeqCst)
        }
    }

    fn dispatch<'a>(
        runs: &'a InMemoryWorkflowRuns,
        cancel: &'a AtomicBool,
    ) -> WorkflowDispatch<'a> {
        WorkflowDispatch {
            runs,
            repo_name: "identity",
            repo: GithubRepo::parse("cloudforet-io/identity").unwrap(),
            workflow: "flotilla-release.yml",
            git_ref: "v1.0.0rc1",
            inputs: BTreeMap::from([
                ("version".to_owned(), "1.0.0rc1".to_owned()),
                ("steps".to_owned(), "build,publish-image".to_owned()),
            ]),
            correlation_base: "T1-R1".to_owned(),
            dispatch_timeout: Duration::from_millis(100),
            poll_interval: Duration::from_millis(10),
            cancel,
        }
    }

    /// What the executor said, as one text.
    fn text(said: &Mutex<Vec<String>>) -> String {
        said.lock().unwrap().join("\n")
    }

    #[test]
    fn a_first_execution_dispatches_once_and_copies_the_logs() {
        let runs = InMemoryWorkflowRuns::default();
        let cancel = AtomicBool::new(false);
        let said = Mutex::new(Vec::new());
        let outcome = dispatch(&runs, &cancel)
            .run(&|line| said.lock().unwrap().push(line))
            .unwrap();
        assert!(outcome.dispatched);
        assert_eq!(outcome.attempt, 1);
        assert_eq!(runs.dispatch_count(), 1);
        let inputs = &runs.dispatched.lock().unwrap()[0];
        assert_eq!(inputs["correlation"], "T1-R1-001");
        assert_eq!(inputs["steps"], "build,publish-image");
        assert!(
            text(&said).contains("## job release\nlog of run 1"),
            "{}",
            text(&said)
        );
    }

    #[test]
    fn a_run_found_in_flight_is_re_attached_and_a_succeeded_one_reused_without_a_dispatch() {
        let runs = InMemoryWorkflowRuns::default();
        let id = runs.add("flotilla T1-R1-001", None);
        let cancel = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let handle = scope.spawn(|| dispatch(&runs, &cancel).run(&|_| {}));
            // The run completes while the executor waits on it.
            while runs.calls() < 3 {
                std::thread::yield_now();
            }
            runs.complete(id, WorkflowConclusion::Success);
            let outcome = handle.join().unwrap().unwrap();
            assert!(!outcome.dispatched);
            assert_eq!(outcome.run.id, id);
        });
        let again = dispatch(&runs, &cancel).run(&|_| {}).unwrap();
        assert!(!again.dispatched, "a succeeded run is reused");
        assert_eq!(runs.dispatch_count(), 0);
    }

    #[test]
    fn a_failed_attempt_is_followed_by_a_new_one_with_its_own_correlation() {
        let runs = InMemoryWorkflowRuns::default();
        runs.add("flotilla T1-R1-001", Some(WorkflowConclusion::Failure));
        runs.add("flotilla T1-R1-002", Some(WorkflowConclusion::Cancelled));
        let cancel = AtomicBool::new(false);
        let outcome = dispatch(&runs, &cancel).run(&|_| {}).unwrap();
        assert!(outcome.dispatched);
        assert_eq!(outcome.attempt, 3);
        assert_eq!(
            runs.dispatched.lock().unwrap()[0]["correlation"],
            "T1-R1-003"
        );
    }

    #[test]
    fn a_failed_run_is_an_error_linking_the_run_and_its_logs_are_kept() {
        let runs = InMemoryWorkflowRuns::default();
        runs.script
            .lock()
            .unwrap()
            .push(Some(WorkflowConclusion::TimedOut));
        let cancel = AtomicBool::new(false);
        let said = Mutex::new(Vec::new());
        let err = dispatch(&runs, &cancel)
            .run(&|line| said.lock().unwrap().push(line))
            .unwrap_err();
        assert!(
            matches!(&*err.kind, StepErrorKind::WorkflowRunFailed { conclusion, .. } if conclusion == "timed_out"),
            "{err}"
        );
        assert!(
            err.help
                .as_deref()
                .unwrap()
                .contains("https://github.test/o/r/actions/runs/1"),
            "{err}"
        );
        assert!(text(&said).contains("log of run 1"));
    }

    #[test]
    fn a_lost_dispatch_is_made_once_more_and_then_reported() {
        let runs = InMemoryWorkflowRuns::default();
        *runs.lose_dispatches.lock().unwrap() = 1;
        let cancel = AtomicBool::new(false);
        let outcome = dispatch(&runs, &cancel).run(&|_| {}).unwrap();
        assert!(outcome.dispatched);
        assert_eq!(
            runs.dispatch_count(),
            2,
            "one re-dispatch after the timeout"
        );

        let runs = InMemoryWorkflowRuns::default();
        *runs.lose_dispatches.lock().unwrap() = 2;
        let err = dispatch(&runs, &cancel).run(&|_| {}).unwrap_err();
        assert!(
            matches!(*err.kind, StepErrorKind::DispatchLost { .. }),
            "{err}"
        );
        assert!(
            err.help
                .as_deref()
                .unwrap()
                .contains("run-name: flotilla ${{ inputs.correlation }}"),
            "{err:?}"
        );
        assert_eq!(runs.dispatch_count(), 2, "never more than one re-dispatch");
    }

    #[test]
    fn cancelling_cancels_the_run_in_flight_and_fails_cancelled() {
        let runs = InMemoryWorkflowRuns::default();
        runs.script.lock().unwrap().push(None);
        let cancel = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let handle = scope.spawn(|| dispatch(&runs, &cancel).run(&|_| {}));
            while runs.dispatch_count() == 0 {
                std::thread::yield_now();
            }
            cancel.store(true, Ordering::SeqCst);
            let err = handle.join().unwrap().unwrap_err();
            assert!(matches!(*err.kind, StepErrorKind::Cancelled), "{err}");
        });
        assert_eq!(*runs.cancelled.lock().unwrap(), vec![1]);
    }
}
