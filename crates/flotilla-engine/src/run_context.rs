//! One repository's run: a work tree cloned from the mirror cache, and the execution of each
//! step against it. Synchronous: the train runner calls it on blocking threads.
//!
//! Every step checks the world before it acts, so running it again after a crash or a failure
//! changes nothing that is already done: a branch that exists is used, a version file that
//! already holds the version makes no commit, a tag already on the remote at the release commit
//! is not pushed again, and publishers skip what their registry already holds.

use std::io::{BufRead, BufReader};
use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use flotilla_core::Version;
use flotilla_core::fleet::Repo;
use flotilla_core::plan::{RepoRun, Step};
use flotilla_git::{Git, PushOptions, RefName, Repo as GitRepo};
use serde_json::json;

use crate::publisher::{self, Published};
use crate::step_log::StepLog;
use crate::workspace::Workspace;

/// The result of a step that did not fail.
#[derive(Debug, Default)]
pub struct StepOutput {
    /// What the step did (or found already done), stored with the step.
    pub detail: serde_json::Value,
    pub exit_code: Option<i32>,
    pub artifacts: Vec<Published>,
}

impl StepOutput {
    fn detail(detail: serde_json::Value) -> Self {
        Self {
            detail,
            ..Self::default()
        }
    }
}

/// A failed step: the message is for the user and already redacted.
#[derive(Debug)]
pub struct StepFailure {
    pub message: String,
    pub exit_code: Option<i32>,
}

impl StepFailure {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            exit_code: None,
        }
    }
}

impl<E: std::fmt::Display> From<E> for StepFailure {
    fn from(err: E) -> Self {
        Self::new(err.to_string())
    }
}

/// Whether the mirrors reflect the remotes as the train's plan saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MirrorState {
    /// Refreshed by this process while gathering the facts the plan was made from: a run uses
    /// them as they are. Were a remote to move in between, its push is refused (not forced)
    /// and the run fails with git's reason; the reflect step fetches the default branch itself.
    Fresh,
    /// Possibly old (a resume or retry in a later process): each run refreshes its mirror.
    Stale,
}

/// The state one run's steps share.
pub struct RunContext {
    pub workspace: Workspace,
    pub repo: Repo,
    pub run: RepoRun,
    pub url: String,
    pub work: GitRepo,
    pub cancel: Arc<AtomicBool>,
}

impl RunContext {
    /// Clones a fresh work tree at the run's source from the mirror, refreshed first unless
    /// `mirrors` says it is fresh. `git` carries the train's fixed commit dates, so commits made
    /// again on resume are the same commits.
    pub fn prepare(
        workspace: &Workspace,
        repo: &Repo,
        run: &RepoRun,
        git: &Git,
        dest: &std::path::Path,
        mirrors: MirrorState,
        cancel: Arc<AtomicBool>,
    ) -> Result<Self, StepFailure> {
        let url = workspace.remote_url(repo);
        let mirror = match mirrors {
            MirrorState::Stale => Some(workspace.cache.refresh(&repo.name, &url)?),
            MirrorState::Fresh => None,
        };
        if dest.exists() {
            std::fs::remove_dir_all(dest)
                .map_err(|err| format!("cannot clear {}: {err}", dest.display()))?;
        }
        let source = run.source.as_str();
        let branch_exists = source == repo.default_branch
            || (!source.starts_with("refs/") && {
                let mirror = match mirror {
                    Some(mirror) => mirror,
                    None => GitRepo::open(
                        workspace.git.clone(),
                        workspace.cache.mirror_path(&repo.name)?,
                    )?,
                };
                mirror.rev_parse(&format!("refs/heads/{source}"))?.is_some()
            });
        let start = if branch_exists {
            source
        } else {
            &repo.default_branch
        };
        let start = RefName::new(start)?;
        let work = workspace
            .cache
            .work_tree(&repo.name, &url, dest, Some(&start))?;
        let work = GitRepo::open(git.clone(), work.path())?;
        if let Some(tag) = source.strip_prefix("refs/tags/") {
            work.switch_create(&RefName::new(format!("flotilla-{tag}"))?, source)?;
        }
        Ok(Self {
            workspace: workspace.clone(),
            repo: repo.clone(),
            run: run.clone(),
            url,
            work,
            cancel,
        })
    }

    /// Executes one step, logging to `log`.
    pub fn execute(&self, step: &Step, log: &StepLog) -> Result<StepOutput, StepFailure> {
        if self.cancel.load(Ordering::SeqCst) {
            return Err(StepFailure::new("cancelled"));
        }
        log.line(format!("# {} {}", step.name(), step.summary()));
        match step {
            Step::CreateBranch { branch, from, tag } => self.create_branch(branch, from, tag, log),
            Step::StripPaths { paths, message, .. } => {
                let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
                self.work.remove_paths(&paths)?;
                let commit = self.work.commit(message)?;
                log.line(match &commit {
                    Some(oid) => format!("removed {} in {oid}", paths.join(", ")),
                    None => "nothing to remove".to_owned(),
                });
                Ok(StepOutput::detail(
                    json!({ "commit": commit.map(|c| c.to_string()) }),
                ))
            }
            Step::SetVersion {
                file,
                content,
                message,
                ..
            } => {
                self.work.write_file(file, content.as_bytes())?;
                self.work.add(&[file])?;
                let commit = self.work.commit(message)?;
                log.line(match &commit {
                    Some(oid) => format!("{file} = {} in {oid}", content.trim()),
                    None => format!("{file} already holds {}", content.trim()),
                });
                Ok(StepOutput::detail(
                    json!({ "commit": commit.map(|c| c.to_string()) }),
                ))
            }
            Step::TagAndPush {
                branch,
                tag,
                message,
            } => self.tag_and_push(branch, tag, message, log),
            Step::Reflect {
                branch,
                file,
                content,
                version,
                message,
                ..
            } => self.reflect(branch, file, content, *version, message, log),
            Step::Run {
                name,
                argv,
                timeout_secs,
            } => self.run_command(name, argv, *timeout_secs, log),
            Step::PublishImage { .. }
            | Step::PublishPython { .. }
            | Step::PublishNpm { .. }
            | Step::PublishChart { .. } => publisher::publish(self, step, log),
            Step::Notify { .. } => Ok(StepOutput::detail(json!({ "notify": "at run end" }))),
        }
    }

    fn create_branch(
        &self,
        branch: &str,
        from: &str,
        tag: &str,
        log: &StepLog,
    ) -> Result<StepOutput, StepFailure> {
        let branch_ref = RefName::new(branch)?;
        let remote_branch = format!("refs/remotes/origin/{branch}");
        let remote_from = format!("refs/remotes/origin/{from}");
        if self.work.rev_parse(&remote_branch)?.is_some() {
            // Ours when it carries the line's tag (a resumed train); usable as is when it has no
            // commits of its own; anything else is someone else's work.
            let ours = self.work.rev_parse(&format!("refs/tags/{tag}"))?.is_some();
            if !ours && !self.work.is_ancestor(&remote_branch, &remote_from)? {
                return Err(StepFailure::new(format!(
                    "release branch {branch} already exists and has commits that {from} does not \
                     have\n  help: continue the line with `flotilla release tag`, or delete the \
                     branch if it was cut by mistake"
                )));
            }
            if self.work.current_branch()?.as_ref().map(RefName::as_str) != Some(branch) {
                self.work.switch(&branch_ref)?;
            }
            log.line(format!("{branch} exists (cut earlier); using it"));
            return Ok(StepOutput::detail(json!({ "existing": true })));
        }
        self.work.switch_create(&branch_ref, &remote_from)?;
        log.line(format!("created {branch} from {from}"));
        Ok(StepOutput::detail(json!({ "existing": false })))
    }

    fn tag_and_push(
        &self,
        branch: &str,
        tag: &str,
        message: &str,
        log: &StepLog,
    ) -> Result<StepOutput, StepFailure> {
        let tag_ref = RefName::new(tag)?;
        let head = self
            .work
            .head()?
            .ok_or_else(|| StepFailure::new("the work tree has no commit"))?;
        // The work tree's tags are the remote's as of the mirror's refresh.
        if let Some(existing) = self.work.find_tag(&tag_ref)? {
            return Self::existing_tag(branch, tag, &existing.commit, &head, log);
        }
        self.work.tag_annotated(&tag_ref, "HEAD", message)?;
        let pushed = self.work.push(
            "origin",
            &[
                &format!("refs/heads/{branch}:refs/heads/{branch}"),
                &format!("refs/tags/{tag}:refs/tags/{tag}"),
            ],
            &PushOptions::new().atomic(),
        );
        if let Err(err) = pushed {
            // Someone may have pushed the tag since the refresh: then say where it is.
            let remote = self.work.ls_remote(&self.url)?;
            return match remote.tag(tag) {
                Some(existing) => Self::existing_tag(branch, tag, existing.commit(), &head, log),
                None => Err(err.into()),
            };
        }
        log.line(format!("pushed {branch} and {tag} at {head}"));
        Ok(StepOutput::detail(
            json!({ "tag": tag, "commit": head.to_string(), "existing": false }),
        ))
    }

    /// A tag that is already on the remote: done when it is at the release commit, else an
    /// error (a version is tagged once).
    fn existing_tag(
        branch: &str,
        tag: &str,
        commit: &flotilla_git::Oid,
        head: &flotilla_git::Oid,
        log: &StepLog,
    ) -> Result<StepOutput, StepFailure> {
        if commit == head {
            log.line(format!("{tag} is already on the remote at {head}"));
            return Ok(StepOutput::detail(
                json!({ "tag": tag, "commit": head.to_string(), "existing": true }),
            ));
        }
        Err(StepFailure::new(format!(
            "tag {tag} already exists on the remote at {commit}, not at the release commit \
             {head} of {branch}\n  help: a version is tagged once; tag the next one (see \
             `flotilla version next`)"
        )))
    }

    /// Carries the version to the default branch only when it is newer than what is there: the
    /// original overwrote master even with an older line's hotfix.
    fn reflect(
        &self,
        branch: &str,
        file: &str,
        content: &str,
        version: Version,
        message: &str,
        log: &StepLog,
    ) -> Result<StepOutput, StepFailure> {
        const ATTEMPTS: u32 = 3;
        let back_to = self.work.current_branch()?;
        for attempt in 1..=ATTEMPTS {
            self.work
                .fetch(&self.url, &[&format!("refs/heads/{branch}")])?;
            let current = self
                .work
                .read_file("FETCH_HEAD", file)?
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .and_then(|text| Version::parse(text.trim()).ok());
            if let Some(current) = current.filter(|c| *c >= version) {
                log.line(format!(
                    "{branch} keeps {current}: not older than {version}"
                ));
                return Ok(StepOutput::detail(
                    json!({ "reflected": false, "master": current }),
                ));
            }
            let scratch = RefName::new(format!("flotilla-reflect-{attempt}"))?;
            self.work.switch_create(&scratch, "FETCH_HEAD")?;
            self.work.write_file(file, content.as_bytes())?;
            self.work.add(&[file])?;
            let commit = self.work.commit(message)?;
            let pushed = self.work.push(
                "origin",
                &[&format!("HEAD:refs/heads/{branch}")],
                &PushOptions::new(),
            );
            if let Some(back) = &back_to {
                self.work.switch(back)?;
            }
            match pushed {
                Ok(()) => {
                    log.line(format!(
                        "{branch} takes {version} (was {})",
                        current.map_or_else(|| "unset".to_owned(), |c| c.to_string())
                    ));
                    return Ok(StepOutput::detail(json!({
                        "reflected": true,
                        "commit": commit.map(|c| c.to_string()),
                        "master": current,
                    })));
                }
                Err(err)
                    if err
                        .push_rejection()
                        .is_some_and(flotilla_git::PushRejection::is_out_of_date) =>
                {
                    log.line(format!(
                        "{branch} moved during the push; attempt {attempt} of {ATTEMPTS}"
                    ));
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(StepFailure::new(format!(
            "{branch} kept moving; gave up after {ATTEMPTS} attempts\n  help: resume the train"
        )))
    }

    pub(crate) fn run_command(
        &self,
        name: &str,
        argv: &[String],
        timeout_secs: u64,
        log: &StepLog,
    ) -> Result<StepOutput, StepFailure> {
        let Some((program, arguments)) = argv.split_first() else {
            return Err(StepFailure::new(format!(
                "command {name} has an empty argv"
            )));
        };
        let version = Version::parse(&self.run.version).ok();
        let mut command = Process::new(program);
        command
            .args(arguments)
            .current_dir(self.work.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("FLOTILLA_VERSION", &self.run.version)
            .env("FLOTILLA_REPO", &self.repo.name)
            .env("FLOTILLA_EVENT", self.run.event.as_str())
            .env("FLOTILLA_CHANNEL", self.run.channel.as_str())
            .env(
                "FLOTILLA_PEP440",
                version.map_or_else(|| self.run.version.clone(), |v| v.pep440()),
            )
            .env(
                "FLOTILLA_SEMVER",
                version
                    .and_then(|v| v.semver(self.repo.hotfix_semver).ok())
                    .unwrap_or_default(),
            );
        // Its own process group, so a timeout or Ctrl-C stops everything the build started,
        // not only the direct child (make, npm and pip all spawn children that hold the pipes).
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(|err| {
            StepFailure::new(format!(
                "cannot start {program:?} for command {name}: {err}"
            ))
        })?;
        let pipes = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ];
        let readers: Vec<_> = pipes
            .into_iter()
            .flatten()
            .map(|pipe| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                        log.line(line);
                    }
                })
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(timeout_secs);
        let status = loop {
            if let Some(status) = child.try_wait()? {
                // Like a CI job's end: whatever the command left running in its group goes too,
                // or its open pipes would hold the step forever.
                kill_process_group(child.id());
                break Some(status);
            }
            if Instant::now() >= deadline || self.cancel.load(Ordering::SeqCst) {
                kill_process_group(child.id());
                drop(child.kill());
                drop(child.wait());
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        for reader in readers {
            drop(reader.join());
        }
        match status {
            Some(status) if status.success() => Ok(StepOutput {
                detail: json!({ "command": name }),
                exit_code: status.code(),
                artifacts: Vec::new(),
            }),
            Some(status) => Err(StepFailure {
                message: format!(
                    "command {name} ({}) failed with {status}; its output is in {}",
                    log.redact(&argv.join(" ")),
                    log.path().display()
                ),
                exit_code: status.code(),
            }),
            None if self.cancel.load(Ordering::SeqCst) => Err(StepFailure::new(format!(
                "command {name} was stopped: the train was cancelled"
            ))),
            None => Err(StepFailure::new(format!(
                "command {name} timed out after {timeout_secs} s and was killed\n  help: raise \
                 timeout_secs of the command in the manifest"
            ))),
        }
    }
}

/// Kills a process group with `kill -KILL -- -PGID`. Best effort: the group may be gone already.
fn kill_process_group(pgid: u32) {
    let status = Process::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if let Err(err) = status {
        tracing::warn!(%err, pgid, "cannot stop the command's process group");
    }
}
