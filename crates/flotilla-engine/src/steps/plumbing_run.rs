//! A release made with git's plumbing directly in the mirror, for runs that need no work tree:
//! blobs, trees, commits and the annotated tag are written as objects, and the release branch,
//! the tag and the reflected default branch leave in one atomic push. The commits are the ones
//! the work-tree steps make (same trees, identity, train dates and cleaned-up messages), so a
//! run may switch between the two paths, on resume for instance, and meet the same objects.
//!
//! A run takes this path only when nothing of it reads or runs files (no commands, builds or
//! publishing), nothing is signed, and neither the release branch nor the tag exists yet: a
//! resumed or unusual run takes the work tree, whose steps check every case.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use flotilla_core::fleet::Repo as FleetRepo;
use flotilla_core::plan::{RepoRun, Step};
use flotilla_core::version_file::VersionEdit;
use flotilla_core::{RetryPolicy, Template, Version};
use flotilla_git::{
    GitError, Oid, PushOptions, PushRejection, RefName, RemoteRefs, Repo as GitRepo, TreeEntry,
};
use serde_json::{Value, json};

use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;

/// Set to `always` (tests and comparisons only), every run takes a work tree.
pub const WORK_TREE_ENV: &str = "FLOTILLA_WORK_TREE";

/// Pushes refused because the default branch moved, redone at once on its new tip.
const PUSH_RACE: RetryPolicy = RetryPolicy::immediate(3);

/// A tree listing by path, trees included (`""` is never in it: the root is implied).
type Files = BTreeMap<String, TreeEntry>;

/// One run's release in the mirror.
pub struct PlumbingRun {
    /// The mirror, opened with the train's handle (its identity and dates).
    mirror: GitRepo,
    url: String,
    tag_template: Template,
    /// The run's reflect step, whose commit leaves with the tag when it can.
    reflect: Option<Step>,
    /// Whether the run cuts its release branch (a new line).
    cuts_branch: bool,
    /// The mirror's branches and tags when the run started: the remote's, as planned.
    refs: RemoteRefs,
    state: Mutex<State>,
}

struct State {
    start: Oid,
    start_files: Files,
    /// The release branch's tip as the steps so far made it, and its files.
    tip: Oid,
    files: Files,
    /// What the reflect step reports when its commit left with the tag's push.
    reflected: Option<Value>,
}

/// What reflecting would do to the default branch.
enum Reflection {
    Keep(Value),
    Commit {
        commit: Oid,
        current: Option<Version>,
    },
}

impl PlumbingRun {
    /// The plumbing run of `run` in `mirror`, or `None` when the run needs a work tree.
    pub fn start(
        mirror: &GitRepo,
        run: &RepoRun,
        repo: &FleetRepo,
        url: &str,
    ) -> Result<Option<Self>, StepError> {
        let default_branch = repo.default_branch.as_str();
        if !Self::eligible(run, mirror) {
            return Ok(None);
        }
        let refs = mirror.refs()?;
        let source = run.source.as_str();
        let start = refs
            .branch(source)
            .or_else(|| refs.branch(default_branch))
            .cloned();
        let taken = run.steps.iter().any(|step| match step {
            Step::CreateBranch { branch, .. } => refs.branch(branch.as_str()).is_some(),
            Step::TagAndPush { tag, .. } => refs.tag(tag.as_str()).is_some(),
            _ => false,
        });
        let Some(start) = start.filter(|_| !taken) else {
            return Ok(None);
        };
        let files = listing(mirror, &start)?;
        Ok(Some(Self {
            mirror: mirror.clone(),
            url: url.to_owned(),
            tag_template: repo.tag_template.clone(),
            reflect: run
                .steps
                .iter()
                .find(|step| matches!(step, Step::Reflect { .. }))
                .cloned(),
            cuts_branch: run
                .steps
                .iter()
                .any(|step| matches!(step, Step::CreateBranch { .. })),
            refs,
            state: Mutex::new(State {
                start: start.clone(),
                start_files: files.clone(),
                tip: start,
                files,
                reflected: None,
            }),
        }))
    }

    /// Whether every step of `run` can be done without a work tree.
    fn eligible(run: &RepoRun, mirror: &GitRepo) -> bool {
        if std::env::var(WORK_TREE_ENV).is_ok_and(|v| v == "always") {
            return false;
        }
        if mirror.git().signs_commits() || mirror.git().signs_tags() {
            return false;
        }
        if run.source.as_str().starts_with("refs/") {
            return false;
        }
        run.steps.iter().all(|step| match step {
            Step::CreateBranch { .. }
            | Step::StripPaths { .. }
            | Step::TagAndPush { .. }
            | Step::Reflect { .. }
            | Step::Notify { .. } => true,
            Step::SetVersion { pre_tag, .. } => pre_tag.is_empty(),
            _ => false,
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The commit the run released so far (the release branch's tip).
    pub fn tip(&self) -> Oid {
        self.state().tip.clone()
    }

    /// The branch starts at the run's source; nothing is written yet.
    pub fn create_branch(&self, branch: &str, from: &str, log: &StepLog) -> StepOutput {
        let mut state = self.state();
        state.tip = state.start.clone();
        state.files = state.start_files.clone();
        state.reflected = None;
        log.line(format!(
            "created {branch} from {from} at {} (in the mirror)",
            state.tip
        ));
        StepOutput::detail(json!({ "existing": false, "plumbing": true }))
    }

    /// Removes `paths` in one commit; none when none of them is there.
    pub fn strip_paths(
        &self,
        paths: &[String],
        message: &str,
        log: &StepLog,
    ) -> Result<StepOutput, StepError> {
        let mut state = self.state();
        let mut files = state.files.clone();
        let mut changed = Vec::new();
        for path in paths {
            let path = path.trim_matches('/');
            let before = files.len();
            files.retain(|p, _| p != path && !p.starts_with(&format!("{path}/")));
            if files.len() != before {
                changed.push(path.to_owned());
            }
        }
        let commit = if changed.is_empty() {
            None
        } else {
            let tree = write_trees(&self.mirror, &mut files, &changed)?;
            Some(self.mirror.commit_tree(&tree, &state.tip, message)?)
        };
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        log.line(match &commit {
            Some(oid) => format!("removed {} in {oid}", paths.join(", ")),
            None => "nothing to remove".to_owned(),
        });
        if let Some(oid) = &commit {
            state.tip = oid.clone();
            state.files = files;
        }
        Ok(StepOutput::detail(
            json!({ "commit": commit.map(|c| c.to_string()) }),
        ))
    }

    /// Writes the version files in one commit; none when they hold it all already.
    pub fn set_version(
        &self,
        (file, content): (&str, &str),
        edits: &[VersionEdit],
        message: &str,
        log: &StepLog,
    ) -> Result<StepOutput, StepError> {
        let mut state = self.state();
        let tip = state.tip.clone();
        let mut files = state.files.clone();
        let changed = write_version(&self.mirror, &tip, &mut files, (file, content), edits, log)?;
        let commit = if changed.is_empty() {
            None
        } else {
            let tree = write_trees(&self.mirror, &mut files, &changed)?;
            Some(self.mirror.commit_tree(&tree, &tip, message)?)
        };
        log.line(match &commit {
            Some(oid) => format!("{file} = {} in {oid}", content.trim()),
            None => format!("{file} already holds {}", content.trim()),
        });
        if let Some(oid) = &commit {
            state.tip = oid.clone();
            state.files = files;
        }
        Ok(StepOutput::detail(
            json!({ "commit": commit.map(|c| c.to_string()) }),
        ))
    }

    /// Tags the tip and pushes branch and tag atomically; when the run's next step reflects
    /// the version to the default branch, that commit leaves in the same push.
    pub fn tag_and_push(
        &self,
        (branch, tag, message): (&str, &str, &str),
        log: &StepLog,
    ) -> Result<StepOutput, StepError> {
        let tag_ref = RefName::new(tag)?;
        let tip = self.tip();
        let tag_oid = self.mirror.write_tag(&tag_ref, &tip, message)?;
        let mut refspecs = vec![
            format!("{tip}:refs/heads/{branch}"),
            format!("{tag_oid}:refs/tags/{tag}"),
        ];
        let reflect = self.reflect.iter().find_map(|step| match step {
            Step::Reflect {
                branch,
                file,
                content,
                edits,
                version,
                message,
                ..
            } => Some((branch, file, content, edits, *version, message)),
            _ => None,
        });
        let mut reflection = None;
        // Only a new line's first tag takes the default branch along: its version is the
        // newest, which no tag that appears meanwhile can change. Later tags of a line (an rc,
        // a hotfix) reflect in their own push, after the remote's tags are read again.
        if let Some((master, file, content, edits, version, message)) = reflect
            && self.cuts_branch
            && let Some(parent) = self.refs.branch(master.as_str()).cloned()
        {
            let planned = self.reflection(
                &self.refs,
                &parent,
                (file, content, edits),
                version,
                message,
                log,
            )?;
            if let Reflection::Commit { commit, .. } = &planned {
                refspecs.push(format!("{commit}:refs/heads/{master}"));
            }
            reflection = Some((master.as_str(), version, planned));
        }
        let refspecs_ref: Vec<&str> = refspecs.iter().map(String::as_str).collect();
        let mut pushed = self
            .mirror
            .push(&self.url, &refspecs_ref, &PushOptions::new().atomic());
        if pushed.as_ref().is_err_and(is_out_of_date)
            && matches!(reflection, Some((_, _, Reflection::Commit { .. })))
        {
            // The default branch moved since it was fetched: push the release alone and let
            // the reflect step redo its commit on the new tip.
            log.line("the default branch moved; pushing the release without it");
            reflection = None;
            pushed = self
                .mirror
                .push(&self.url, &refspecs_ref[..2], &PushOptions::new().atomic());
        }
        if let Err(err) = pushed {
            let remote = self.mirror.ls_remote(&self.url)?;
            return match remote.tag(tag) {
                Some(existing) if *existing.commit() == tip => {
                    log.line(format!("{tag} is already on the remote at {tip}"));
                    Ok(StepOutput::detail(
                        json!({ "tag": tag, "commit": tip.to_string(), "existing": true }),
                    ))
                }
                Some(existing) => Err(StepError::from(StepErrorKind::TagElsewhere {
                    tag: tag.to_owned(),
                    commit: existing.commit().to_string(),
                    head: tip.to_string(),
                    branch: branch.to_owned(),
                })
                .with_help(
                    "a version is tagged once; tag the next one (see `flotilla version next`)",
                )),
                None => Err(err.into()),
            };
        }
        let mut detail = json!({ "tag": tag, "commit": tip.to_string(), "existing": false });
        match reflection {
            Some((
                master,
                version,
                Reflection::Commit {
                    commit, current, ..
                },
            )) => {
                log.line(format!(
                    "pushed {branch}, {tag} and {master} ({commit}) at {tip}"
                ));
                detail["reflected"] = json!(commit.to_string());
                self.state().reflected = Some(reflected(master, version, &commit, current, log));
            }
            Some((_, _, Reflection::Keep(keep))) => {
                log.line(format!("pushed {branch} and {tag} at {tip}"));
                self.state().reflected = Some(keep);
            }
            None => log.line(format!("pushed {branch} and {tag} at {tip}")),
        }
        Ok(StepOutput::detail(detail))
    }

    /// Reports the reflection that left with the tag, or reflects now on the default branch's
    /// newest tip.
    pub fn reflect(
        &self,
        branch: &str,
        (file, content, edits): (&str, &str, &[VersionEdit]),
        version: Version,
        message: &str,
        log: &StepLog,
    ) -> Result<StepOutput, StepError> {
        if let Some(done) = self.state().reflected.take() {
            log.line(format!("{branch}: done with the tag's push"));
            return Ok(StepOutput::detail(done));
        }
        // The tags as the remote has them now: one newer than `version` keeps the branch.
        let remote = self.mirror.ls_remote(&self.url)?;
        for attempt in 1..=PUSH_RACE.attempts {
            self.mirror
                .fetch(&self.url, &[&format!("refs/heads/{branch}")])?;
            let parent = self
                .mirror
                .rev_parse("FETCH_HEAD^{commit}")?
                .ok_or(StepErrorKind::NoCommit)?;
            match self.reflection(
                &remote,
                &parent,
                (file, content, edits),
                version,
                message,
                log,
            )? {
                Reflection::Keep(keep) => return Ok(StepOutput::detail(keep)),
                Reflection::Commit {
                    commit, current, ..
                } => {
                    let pushed = self.mirror.push(
                        &self.url,
                        &[&format!("{commit}:refs/heads/{branch}")],
                        &PushOptions::new(),
                    );
                    match pushed {
                        Ok(()) => {
                            return Ok(StepOutput::detail(reflected(
                                branch, version, &commit, current, log,
                            )));
                        }
                        Err(err) if is_out_of_date(&err) => log.line(format!(
                            "{branch} moved during the push; attempt {attempt} of {}",
                            PUSH_RACE.attempts
                        )),
                        Err(err) => return Err(err.into()),
                    }
                }
            }
        }
        Err(StepError::from(StepErrorKind::BranchKeptMoving {
            branch: branch.to_owned(),
            attempts: PUSH_RACE.attempts,
        })
        .with_help("resume the train"))
    }

    /// The reflect commit on `parent`, or why the default branch keeps its version: a newer
    /// version tag, or a version file not older than `version` (as the work-tree step decides).
    fn reflection(
        &self,
        refs: &RemoteRefs,
        parent: &Oid,
        (file, content, edits): (&str, &str, &[VersionEdit]),
        version: Version,
        message: &str,
        log: &StepLog,
    ) -> Result<Reflection, StepError> {
        let newest_tag = refs
            .tags()
            .keys()
            .filter_map(|t| Version::from_any_tag(&self.tag_template, t).map(|v| (v, t.clone())))
            .max();
        if let Some((tagged, tag)) = newest_tag.filter(|(v, _)| *v > version) {
            log.line(format!(
                "the default branch keeps {tagged}: tag {tag} is newer than {version}"
            ));
            return Ok(Reflection::Keep(
                json!({ "reflected": false, "master": tagged, "tag": tag }),
            ));
        }
        let mut files = {
            let state = self.state();
            if *parent == state.start {
                state.start_files.clone()
            } else {
                drop(state);
                listing(&self.mirror, parent)?
            }
        };
        let current = match files.get(file) {
            Some(entry) if !entry.is_tree() => self
                .mirror
                .read_file(parent.as_str(), file)?
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .and_then(|text| Version::parse(text.trim()).ok()),
            _ => None,
        };
        if let Some(current) = current.filter(|c| *c >= version) {
            log.line(format!(
                "the default branch keeps {current}: not older than {version}"
            ));
            return Ok(Reflection::Keep(
                json!({ "reflected": false, "master": current }),
            ));
        }
        let changed = write_version(
            &self.mirror,
            parent,
            &mut files,
            (file, content),
            edits,
            log,
        )?;
        let tree = write_trees(&self.mirror, &mut files, &changed)?;
        let commit = self.mirror.commit_tree(&tree, parent, message)?;
        Ok(Reflection::Commit { commit, current })
    }
}

/// The detail of a reflect commit that reached the default branch.
fn reflected(
    branch: &str,
    version: Version,
    commit: &Oid,
    current: Option<Version>,
    log: &StepLog,
) -> Value {
    log.line(format!(
        "{branch} takes {version} (was {})",
        current.map_or_else(|| "unset".to_owned(), |c| c.to_string())
    ));
    json!({ "reflected": true, "commit": commit.to_string(), "master": current })
}

fn is_out_of_date(err: &GitError) -> bool {
    err.push_rejection()
        .is_some_and(PushRejection::is_out_of_date)
}

fn listing(repo: &GitRepo, commit: &Oid) -> Result<Files, StepError> {
    Ok(repo
        .tree_entries(commit.as_str())?
        .into_iter()
        .map(|entry| (entry.path.clone(), entry))
        .collect())
}

/// Writes the version file and the edits' files into `files` (blobs written, trees not yet),
/// and returns the paths that changed.
fn write_version(
    repo: &GitRepo,
    rev: &Oid,
    files: &mut Files,
    (file, content): (&str, &str),
    edits: &[VersionEdit],
    log: &StepLog,
) -> Result<Vec<String>, StepError> {
    let mut changed = Vec::new();
    let mut write = |files: &mut Files, path: &str, bytes: &[u8]| -> Result<(), StepError> {
        let path = path.trim_matches('/');
        let existing = files.get(path);
        if existing.is_some_and(|e| e.is_symlink() || e.is_tree()) {
            return Err(GitError::PathOutsideWorkTree {
                root: repo.path().to_owned(),
                path: path.to_owned(),
                reason: "it is a symbolic link or a directory in the repository",
            }
            .into());
        }
        let oid = repo.write_blob(bytes)?;
        let mode = existing.map_or("100644", |e| e.mode.as_str()).to_owned();
        if existing.is_some_and(|e| e.oid == oid) {
            return Ok(());
        }
        files.insert(
            path.to_owned(),
            TreeEntry {
                mode,
                kind: "blob".to_owned(),
                oid,
                path: path.to_owned(),
            },
        );
        changed.push(path.to_owned());
        Ok(())
    };
    write(files, file, content.as_bytes())?;
    for edit in edits {
        let existing = match files.get(edit.path.trim_matches('/')) {
            Some(entry) if !entry.is_tree() => repo
                .read_file(rev.as_str(), &edit.path)?
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
            _ => None,
        };
        let text = edit.apply(existing.as_deref()).map_err(|err| {
            let help = err.help();
            StepError::from(StepErrorKind::VersionEdit(err)).with_help(help)
        })?;
        log.line(format!(
            "{} = {} ({})",
            edit.path,
            edit.value,
            edit.field.describe()
        ));
        write(files, &edit.path, text.as_bytes())?;
    }
    Ok(changed)
}

/// Writes the trees above the `changed` paths of `files`, deepest first (one `mktree` each),
/// dropping trees left empty as git does, and returns the root tree.
fn write_trees(repo: &GitRepo, files: &mut Files, changed: &[String]) -> Result<Oid, StepError> {
    let mut dirs = std::collections::BTreeSet::from([String::new()]);
    for path in changed {
        let mut dir = path.as_str();
        while let Some((parent, _)) = dir.rsplit_once('/') {
            dirs.insert(parent.to_owned());
            dir = parent;
        }
    }
    let mut dirs: Vec<String> = dirs.into_iter().collect();
    // Deepest first: a tree's id is known before its parent is written.
    dirs.sort_by_key(|dir| {
        std::cmp::Reverse(if dir.is_empty() {
            0
        } else {
            dir.matches('/').count() + 1
        })
    });
    let mut root = None;
    for dir in dirs {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let children: Vec<(String, TreeEntry)> = files
            .range(prefix.clone()..)
            .take_while(|(path, _)| path.starts_with(&prefix))
            .filter(|(path, _)| !path[prefix.len()..].contains('/'))
            .map(|(path, entry)| (path[prefix.len()..].to_owned(), entry.clone()))
            .collect();
        if children.is_empty() && !dir.is_empty() {
            files.remove(&dir);
            continue;
        }
        let entries: Vec<(&str, &str, &Oid, &str)> = children
            .iter()
            .map(|(name, e)| (e.mode.as_str(), e.kind.as_str(), &e.oid, name.as_str()))
            .collect();
        let tree = repo.write_tree(&entries)?;
        if dir.is_empty() {
            root = Some(tree);
        } else {
            files.insert(
                dir.clone(),
                TreeEntry {
                    mode: "040000".to_owned(),
                    kind: "tree".to_owned(),
                    oid: tree,
                    path: dir,
                },
            );
        }
    }
    root.ok_or_else(|| StepErrorKind::NoCommit.into())
}
