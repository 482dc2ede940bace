//! Helm chart repositories that are a directory or a branch of a git repository (like
//! `gh-pages`), whose `index.yaml` changes once per train rather than once per chart.
//!
//! A chart step packages its chart into the registry's pending set under the state directory
//! (and, for a directory, copies the package beside the index). At the end of the train every
//! registry's pending charts are listed in one index update: one atomic write of the
//! directory's `index.yaml`, or one commit with the packages and the index pushed to the branch.
//! Charts an update could not list stay pending, so a resumed (or the next) train lists them.

use std::fs;
use std::path::Path;

use flotilla_core::fleet::{Registry, RegistryKind};
use flotilla_git::{Git, Oid, PushOptions, PushRejection, RefName, redact_credentials};
use flotilla_publish::PublishError;
use flotilla_publish::chart::{
    ChartIndex, ChartRelease, ChartRepoDir, PackagedChart, PendingCharts,
};
use flotilla_store::{ArtifactKind, Train};

use crate::steps::chart_repository_error::{ChartRepositoryError, PUSH_RACE};
use crate::steps::published::Published;
use crate::steps::run_context::RunContext;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;
use crate::workspace::Workspace;

/// A chart registry that is not an OCI registry.
enum ChartRepository {
    Dir(ChartRepoDir),
    Git { url: String, branch: RefName },
}

impl ChartRepository {
    /// `None` for a registry that is not a directory or git chart repository (an OCI registry).
    fn of(
        workspace: &Workspace,
        registry: &Registry,
    ) -> Result<Option<Self>, ChartRepositoryError> {
        if registry.kind != RegistryKind::Chart {
            return Ok(None);
        }
        if let Some((url, branch)) = registry.git_branch() {
            let branch = RefName::new(branch).map_err(|source| ChartRepositoryError::Branch {
                registry: registry.name.clone(),
                source,
            })?;
            return Ok(Some(Self::Git {
                url: url.to_owned(),
                branch,
            }));
        }
        if registry.url.starts_with("http://") || registry.url.starts_with("https://") {
            return Ok(None);
        }
        let path = registry
            .url
            .strip_prefix("file://")
            .unwrap_or(&registry.url);
        Ok(Some(Self::Dir(ChartRepoDir::new(workspace.path(path)))))
    }

    /// Where the charts go, as the store records it (no credentials).
    fn label(&self) -> String {
        match self {
            Self::Dir(dir) => dir.root().display().to_string(),
            Self::Git { url, branch } => format!("{}#{branch}", redact_credentials(url)),
        }
    }
}

fn pending(workspace: &Workspace, registry: &str) -> PendingCharts {
    PendingCharts::new(workspace.state_dir.join("charts").join(registry))
}

/// The publish step of a chart for a directory or git chart registry: packages it into the
/// registry's pending set (a directory also gets the package now) and reports it. `None` when
/// `registry` is not such a registry.
pub fn publish(
    ctx: &RunContext,
    registry: &str,
    chart_dir: &Path,
    release: &ChartRelease,
    log: &StepLog,
) -> Result<Option<Published>, StepError> {
    let Some(declared) = ctx.workspace.fleet.registries.get(registry) else {
        return Ok(None);
    };
    let Some(repository) = ChartRepository::of(&ctx.workspace, declared)? else {
        return Ok(None);
    };
    let chart = pending(&ctx.workspace, registry).add(chart_dir, release)?;
    let state = match &repository {
        ChartRepository::Dir(dir) => format!("{:?}", dir.add_package(&chart)?.outcome),
        ChartRepository::Git { .. } => "pending".to_owned(),
    };
    log.line(format!(
        "{} {} ({state}); {} lists it at the end of the train",
        chart.filename(),
        chart.digest(),
        log.redact(&repository.label()),
    ));
    Ok(Some(Published {
        kind: ArtifactKind::Chart,
        name: chart.name().to_owned(),
        version: release.version.clone(),
        digest: chart.digest().into(),
        target: repository.label(),
    }))
}

/// Whether the index of chart registry `registry` lists chart `name` at `version`; `None`
/// when `registry` is not a directory or git chart repository (an OCI registry). A git
/// repository's index is read from its branch through the mirror cache.
pub fn lists(
    workspace: &Workspace,
    registry: &str,
    name: &str,
    version: &str,
) -> Result<Option<bool>, StepError> {
    let Some(declared) = workspace.fleet.registries.get(registry) else {
        return Ok(None);
    };
    let index = match ChartRepository::of(workspace, declared)? {
        None => return Ok(None),
        Some(ChartRepository::Dir(dir)) => ChartIndex::load(&dir.index_path())?,
        Some(ChartRepository::Git { url, branch }) => {
            let mirror = workspace
                .cache
                .refresh(&format!("chart-registry-{registry}"), &url)?;
            let Some(bytes) = mirror.read_file(&format!("refs/heads/{branch}"), "index.yaml")?
            else {
                return Ok(Some(false));
            };
            let scratch = workspace
                .state_dir
                .join("charts")
                .join(format!(".{registry}.index.yaml"));
            if let Some(parent) = scratch.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&scratch, bytes)?;
            let index = ChartIndex::load(&scratch);
            fs::remove_file(&scratch)?;
            index?
        }
    };
    Ok(Some(index.versions(name).contains(&version)))
}

/// The end of a train: lists every registry's pending charts in its index, one update per
/// registry; each registry's outcome (what it did, `None` when nothing was pending). `git`
/// carries the train's fixed commit dates, so the same update makes the same commit.
pub fn finish_train(
    workspace: &Workspace,
    git: &Git,
    train: &Train,
) -> Vec<(String, Result<Option<String>, StepError>)> {
    let train_id = train.id.to_string();
    // Whole seconds, like `helm repo index`, and fixed per train: an update run again on
    // resume writes the same bytes.
    let time = jiff::Timestamp::from_second(train.created_at.as_second())
        .unwrap_or(train.created_at)
        .to_string();
    workspace
        .fleet
        .registries
        .values()
        .filter_map(|registry| {
            let repository = match ChartRepository::of(workspace, registry) {
                Ok(Some(repository)) => repository,
                Ok(None) => return None,
                Err(err) => return Some((registry.name.clone(), Err(err.into()))),
            };
            let update = update(workspace, git, registry, &repository, &time, &train_id);
            let result = update.map_err(|source| {
                // A refused package stays pending and would fail every later train too.
                let conflict = matches!(
                    source,
                    ChartRepositoryError::Publish(PublishError::FileConflict { .. })
                );
                let err = StepError::from(StepErrorKind::ChartListing {
                    label: repository.label(),
                    source,
                });
                if conflict {
                    err.with_help(format!(
                        "publish the chart under a new version; to drop the refused package, \
                         delete it from {}",
                        pending(workspace, &registry.name).dir().display()
                    ))
                } else {
                    err
                }
            });
            Some((registry.name.clone(), result))
        })
        .collect()
}

/// Lists the pending charts of one registry; what it did, or `None` when nothing was pending.
fn update(
    workspace: &Workspace,
    git: &Git,
    registry: &Registry,
    repository: &ChartRepository,
    time: &str,
    train: &str,
) -> Result<Option<String>, ChartRepositoryError> {
    let scratch = workspace
        .state_dir
        .join("charts")
        .join(format!(".{}.work", registry.name));
    pending(workspace, &registry.name).drain(|charts| match repository {
        ChartRepository::Dir(dir) => {
            let added = dir.update_index(charts, time)?;
            Ok(format!(
                "{added} new chart(s) in {}",
                dir.index_path().display()
            ))
        }
        ChartRepository::Git { url, branch } => {
            let commit = commit_to_branch(git, url, branch, charts, time, train, &scratch);
            remove_dir(&scratch)?;
            Ok(match commit? {
                Some(oid) => format!("commit {oid} on {branch}"),
                None => format!("{branch} already lists every chart"),
            })
        }
    })
}

/// Adds the packages and the merged index to `branch` of `url` in one commit and pushes it,
/// starting again from the branch's new tip when the push is refused as out of date. `None`
/// when the branch already lists every chart (nothing is committed).
fn commit_to_branch(
    git: &Git,
    url: &str,
    branch: &RefName,
    charts: &[PackagedChart],
    time: &str,
    train: &str,
    scratch: &Path,
) -> Result<Option<Oid>, ChartRepositoryError> {
    for _ in 0..PUSH_RACE.attempts {
        remove_dir(scratch)?;
        let work = scratch.join("work");
        let repo = if git.ls_remote(url)?.branch(branch.as_str()).is_some() {
            git.clone_repo(url, &work, Some(branch))?
        } else {
            // A new branch starts without history: a clone of an empty repository.
            let empty = git.init_bare(scratch.join("empty.git"), Some(branch))?;
            git.clone_repo(&empty.path().to_string_lossy(), &work, None)?
        };
        let index_path = work.join("index.yaml");
        let mut index = ChartIndex::load(&index_path)?;
        if index.merge(charts, time, &format!("{url}#{branch}"))? == 0 {
            return Ok(None);
        }
        let mut paths = vec!["index.yaml".to_owned()];
        for chart in charts {
            let bytes = fs::read(chart.path()).map_err(|source| ChartRepositoryError::Io {
                action: "read",
                path: chart.path().to_path_buf(),
                source,
            })?;
            repo.write_file(&chart.filename(), &bytes)?;
            paths.push(chart.filename());
        }
        index.save(&index_path, time)?;
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        repo.add(&paths)?;
        let names: Vec<String> = charts
            .iter()
            .map(|c| format!("{} {}", c.name(), c.version()))
            .collect();
        let message = format!("Publish charts of train {train}\n\n{}\n", names.join("\n"));
        let Some(commit) = repo.commit(&message)? else {
            return Ok(None);
        };
        let refspec = format!("HEAD:refs/heads/{branch}");
        match repo.push(url, &[refspec.as_str()], &PushOptions::new()) {
            Ok(()) => return Ok(Some(commit)),
            Err(e)
                if e.push_rejection()
                    .is_some_and(PushRejection::is_out_of_date) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(ChartRepositoryError::KeptMoving)
}

fn remove_dir(path: &Path) -> Result<(), ChartRepositoryError> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ChartRepositoryError::Io {
            action: "remove",
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    use super::*;

    fn git_in(dir: &Path, args: &[&str]) -> String {
        let output = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Someone else pushes to the branch between flotilla's commit and its push: the push is
    /// refused as out of date, and the charts are committed again on the new tip, keeping the
    /// other commit.
    #[test]
    fn a_push_refused_as_out_of_date_is_redone_on_the_new_tip() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let remote = root.join("charts.git");
        let racer = root.join("racer");
        git_in(
            root,
            &["init", "--quiet", "--bare", remote.to_str().unwrap()],
        );
        git_in(
            root,
            &["init", "--quiet", "-b", "gh-pages", racer.to_str().unwrap()],
        );
        fs::write(racer.join("README.md"), "pages\n").unwrap();
        git_in(&racer, &["add", "README.md"]);
        git_in(&racer, &["commit", "--quiet", "-m", "start"]);
        git_in(
            &racer,
            &["push", "--quiet", remote.to_str().unwrap(), "gh-pages"],
        );

        // A git that, on flotilla's first push, lets the racer push first.
        let mark = root.join("raced");
        let wrapper = root.join("git-racing");
        fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = push ] && [ ! -e '{mark}' ]; then\n    \
                 touch '{mark}'\n    echo other > '{racer}/other.txt'\n    \
                 env -u GIT_DIR -u GIT_WORK_TREE -u GIT_INDEX_FILE git -C '{racer}' add other.txt\n    \
                 env -u GIT_DIR -u GIT_WORK_TREE -u GIT_INDEX_FILE git -C '{racer}' -c user.name=r \
                 -c user.email=r@example.invalid commit --quiet -m other\n    \
                 env -u GIT_DIR -u GIT_WORK_TREE -u GIT_INDEX_FILE git -C '{racer}' push --quiet \
                 '{remote}' gh-pages\n  fi\ndone\nexec git \"$@\"\n",
                mark = mark.display(),
                racer = racer.display(),
                remote = remote.display(),
            ),
        )
        .unwrap();
        fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).unwrap();
        let git = Git::new()
            .with_program(&wrapper)
            .with_identity(flotilla_git::Identity::new("flotilla", "f@example.invalid"));

        let chart_dir = root.join("chart");
        fs::create_dir_all(&chart_dir).unwrap();
        fs::write(
            chart_dir.join("Chart.yaml"),
            "apiVersion: v2\nname: api\nversion: 0.0.0\nappVersion: \"0\"\n",
        )
        .unwrap();
        let pending = PendingCharts::new(root.join("pending"));
        let chart = pending
            .add(&chart_dir, &ChartRelease::new("1.2.3", "1.2.3"))
            .unwrap();
        let url = format!("file://{}", remote.display());
        let branch = RefName::new("gh-pages").unwrap();

        let commit = commit_to_branch(
            &git,
            &url,
            &branch,
            std::slice::from_ref(&chart),
            "2026-01-01T00:00:00Z",
            "T1",
            &root.join("scratch"),
        )
        .unwrap()
        .expect("a commit");

        assert!(mark.exists(), "the racer pushed first");
        let log = git_in(&remote, &["log", "--format=%H %s", "gh-pages"]);
        let subjects: Vec<&str> = log.lines().map(|l| &l[41..]).collect();
        assert_eq!(subjects, ["Publish charts of train T1", "other", "start"]);
        assert!(log.starts_with(commit.as_str()));
        let files = git_in(&remote, &["ls-tree", "--name-only", "gh-pages"]);
        assert_eq!(
            files.lines().collect::<Vec<_>>(),
            ["README.md", "api-1.2.3.tgz", "index.yaml", "other.txt"]
        );
        let index = git_in(&remote, &["show", "gh-pages:index.yaml"]);
        assert!(index.contains(&chart.digest().hex()), "{index}");

        // The same charts again: the branch already lists them, nothing is committed.
        let again = commit_to_branch(
            &git,
            &url,
            &branch,
            std::slice::from_ref(&chart),
            "2026-01-01T00:00:00Z",
            "T2",
            &root.join("scratch"),
        )
        .unwrap();
        assert_eq!(again, None);
    }
}
