//! Steps executed on this machine: a work tree cloned from the mirror cache, git, the
//! repository's commands and the registries' clients.

use std::sync::atomic::Ordering;

use flotilla_core::plan::Step;
use flotilla_git::Git;
use flotilla_store::Train;
use serde_json::json;

use crate::steps::chart_repository;
use crate::steps::create_branch::create_branch;
use crate::steps::publish::publish;
use crate::steps::reflect::reflect;
use crate::steps::run_command::run_command;
use crate::steps::run_context::RunContext;
use crate::steps::run_setup::RunSetup;
use crate::steps::set_version::{ReleaseCommit, set_version};
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_executor::StepExecutor;
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;
use crate::steps::strip_paths::strip_paths;
use crate::steps::tag_and_push::tag_and_push;
use crate::workspace::Workspace;

/// Executes every step in a local work tree. Each step checks the world before it acts (see
/// [`StepExecutor`]), so executing it again changes nothing already done.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalExecutor;

impl StepExecutor for LocalExecutor {
    fn prepare(&self, setup: RunSetup) -> Result<RunContext, StepError> {
        RunContext::prepare(setup)
    }

    fn execute(
        &self,
        ctx: &RunContext,
        step: &Step,
        log: &StepLog,
    ) -> Result<StepOutput, StepError> {
        if ctx.cancel.load(Ordering::SeqCst) {
            return Err(StepErrorKind::Cancelled.into());
        }
        log.line(format!("# {} {}", step.name(), step.summary()));
        if let Some(plumbing) = &ctx.plumbing {
            match step {
                Step::CreateBranch { branch, from, .. } => {
                    return Ok(plumbing.create_branch(branch, from, log));
                }
                Step::StripPaths { paths, message, .. } => {
                    return plumbing.strip_paths(paths, message, log);
                }
                Step::SetVersion {
                    file,
                    content,
                    message,
                    edits,
                    ..
                } => return plumbing.set_version((file, content), edits, message, log),
                Step::TagAndPush {
                    branch,
                    tag,
                    message,
                } => return plumbing.tag_and_push((branch, tag, message), log),
                Step::Reflect {
                    branch,
                    file,
                    content,
                    edits,
                    version,
                    message,
                    ..
                } => {
                    return plumbing.reflect(
                        branch,
                        (file, content, edits),
                        *version,
                        message,
                        log,
                    );
                }
                // Only steps that need no work tree reach a plumbing run.
                _ => {}
            }
        }
        match step {
            Step::CreateBranch { branch, from, tag } => create_branch(ctx, branch, from, tag, log),
            Step::StripPaths { paths, message, .. } => strip_paths(ctx, paths, message, log),
            Step::SetVersion {
                file,
                content,
                message,
                edits,
                pre_tag,
                keep_out,
                ..
            } => {
                let release = ReleaseCommit {
                    edits,
                    pre_tag,
                    keep_out,
                };
                set_version(ctx, file, content, message, &release, log)
            }
            Step::TagAndPush {
                branch,
                tag,
                message,
            } => tag_and_push(ctx, branch, tag, message, log),
            Step::Reflect {
                branch,
                file,
                content,
                edits,
                version,
                message,
                ..
            } => reflect(ctx, branch, (file, content, edits), *version, message, log),
            Step::Run {
                name,
                argv,
                timeout_secs,
            } => {
                let env = ctx
                    .repo
                    .commands
                    .iter()
                    .find(|command| command.name == *name)
                    .map_or(&[][..], |command| &command.env);
                run_command(ctx, name, argv, *timeout_secs, env, log)
            }
            Step::PublishImage { .. }
            | Step::PublishPython { .. }
            | Step::PublishNpm { .. }
            | Step::PublishChart { .. } => publish(ctx, step, log),
            Step::Notify { .. } => Ok(StepOutput::detail(json!({ "notify": "at run end" }))),
        }
    }

    fn finish_train(
        &self,
        workspace: &Workspace,
        git: &Git,
        train: &Train,
    ) -> Vec<(String, Result<Option<String>, StepError>)> {
        chart_repository::finish_train(workspace, git, train)
    }
}
