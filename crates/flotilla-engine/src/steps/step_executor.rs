//! The seam between the train runner and where steps execute.

use flotilla_core::plan::Step;
use flotilla_git::Git;
use flotilla_store::Train;

use crate::steps::run_context::RunContext;
use crate::steps::run_setup::RunSetup;
use crate::steps::step_error::StepError;
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;
use crate::workspace::Workspace;

/// Executes the steps of a plan. The train runner decides what runs when (waves, gates, leases,
/// resume) and records every outcome; an executor only carries steps out. [`LocalExecutor`]
/// executes them on this machine; a remote executor (a GitHub Actions job per run) implements
/// the same trait.
///
/// The runner calls the methods on blocking threads, one run's steps in order, runs of a wave
/// in parallel. What any executor must guarantee:
///
/// - **Idempotence.** The runner executes a step again after a failure, a crash or a resume,
///   and replays finished steps whose effect stays in the work tree (create-branch,
///   strip-paths, set-version, commands) to rebuild it. A step checks the world before it acts,
///   so executing it again changes nothing already done: an existing branch or tag at the
///   right commit is success, a registry that holds the same artifact is success, the same
///   version with different content is an error.
/// - **Artifacts reported.** Every artifact a publish step published, or found already
///   published, is in [`StepOutput::artifacts`] with its digest and target: the runner records
///   them, gates later waves on them and starts continuous deployment from them.
/// - **Logs.** Everything the step printed goes to the [`StepLog`] (which redacts secrets) as
///   it happens, not at the end, so `flotilla logs` follows a running step; an error says what
///   failed and what to do ([`StepError::help`]) and carries the command's exit code.
/// - **Cancellation.** Once [`RunContext::cancel`] is set, the step stops (killing what it
///   started) and fails.
///
/// [`LocalExecutor`]: crate::steps::local_executor::LocalExecutor
pub trait StepExecutor: Send + Sync {
    /// Sets up one repository's run: the work tree (or the remote job) its steps share.
    fn prepare(&self, setup: RunSetup) -> Result<RunContext, StepError>;

    /// Executes one step of the run, logging to `log`.
    fn execute(
        &self,
        ctx: &RunContext,
        step: &Step,
        log: &StepLog,
    ) -> Result<StepOutput, StepError>;

    /// The end of a train: what the steps left to do once for the whole train (listing the
    /// train's charts in their repositories' indexes). One entry per place updated, named
    /// after it: what was done, or `None` when nothing was pending.
    fn finish_train(
        &self,
        workspace: &Workspace,
        git: &Git,
        train: &Train,
    ) -> Vec<(String, Result<Option<String>, StepError>)>;
}
