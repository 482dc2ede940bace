//! Gathering the facts a plan needs from the repositories' remotes.

use std::collections::BTreeMap;
use std::sync::Mutex;

use flotilla_core::fleet::Repo;
use flotilla_core::plan::{ArtifactRef, Facts, Plan, RepoFacts, tagged_artifacts};
use flotilla_core::{ArtifactKind, Version};

use crate::engine_error::EngineError;
use crate::steps::artifact_lookup::is_published;
use crate::workspace::Workspace;

/// How many repositories are read at once: git is mostly waiting on disk or network.
const PARALLEL_READS: usize = 8;

/// Refreshes each repository's mirror and reads its branches, tags and master version.
pub fn gather(
    workspace: &Workspace,
    repos: &[&Repo],
    timestamp: String,
    line: Option<Version>,
) -> Result<Facts, EngineError> {
    let results = parallel_map(repos, PARALLEL_READS, |repo| {
        repo_facts(workspace, repo, line)
    });
    let mut facts = BTreeMap::new();
    for (repo, result) in repos.iter().zip(results) {
        facts.insert(repo.name.clone(), result?);
    }
    Ok(Facts {
        repos: facts,
        timestamp,
    })
}

/// Like [`gather`], but a remote that cannot be read gives empty facts and a (repository,
/// error) warning instead of an error: for previews, where "assume nothing exists yet" is the
/// useful answer.
pub fn gather_lenient(
    workspace: &Workspace,
    repos: &[&Repo],
    timestamp: String,
    line: Option<Version>,
) -> (Facts, Vec<(String, String)>) {
    let results = parallel_map(repos, PARALLEL_READS, |repo| {
        repo_facts(workspace, repo, line)
    });
    let mut facts = BTreeMap::new();
    let mut warnings = Vec::new();
    for (repo, result) in repos.iter().zip(results) {
        let repo_facts = result.unwrap_or_else(|err| {
            warnings.push((repo.name.clone(), err.to_string()));
            RepoFacts::default()
        });
        facts.insert(repo.name.clone(), repo_facts);
    }
    (
        Facts {
            repos: facts,
            timestamp,
        },
        warnings,
    )
}

/// One repository's facts. `line` is the release line a `release start` would cut: its branch
/// is checked for divergence, which needs the history and so is not done for every branch.
fn repo_facts(
    workspace: &Workspace,
    repo: &Repo,
    line: Option<Version>,
) -> Result<RepoFacts, EngineError> {
    let url = workspace.remote_url(repo);
    let mirror = workspace.cache.refresh(&repo.name, &url).map_err(|err| {
        EngineError::repo(&repo.name, format!("cannot read the remote {url}: {err}"))
    })?;
    let refs = mirror.refs()?;
    let master_version = mirror
        .read_file(
            &format!("refs/heads/{}", repo.default_branch),
            &repo.version_file,
        )
        .ok()
        .flatten()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| Version::parse(text.trim()).ok());
    let mut diverged_branches = std::collections::BTreeSet::new();
    if let Some(line) = line {
        let branch = line.render_branch(&repo.branch_template);
        let first = Version::new(
            line.major,
            line.minor,
            line.patch,
            flotilla_core::Stage::Rc(1),
        );
        // The line's first tag in any spelling (`v1.12.0-rc1` of the original included).
        let tagged = refs
            .tags()
            .keys()
            .any(|t| Version::from_any_tag(&repo.tag_template, t) == Some(first));
        if refs.branch(&branch).is_some()
            && !tagged
            && !mirror.is_ancestor(
                &format!("refs/heads/{branch}"),
                &format!("refs/heads/{}", repo.default_branch),
            )?
        {
            diverged_branches.insert(branch);
        }
    }
    Ok(RepoFacts {
        master_version,
        branches: refs.branches().keys().cloned().collect(),
        tags: refs.tags().keys().cloned().collect(),
        diverged_branches,
        unpublished: Vec::new(),
    })
}

/// Looks up in their registries the artifacts of the plan's runs of existing tags, and
/// records in `facts` those the registries do not hold (a publish that failed left its tag):
/// planned again, those runs publish them and their dependents wait for them. A registry that
/// cannot be asked counts as not holding them, so the run tries and fails visibly rather than
/// letting its dependents go. Returns whether anything is missing.
pub fn find_unpublished(workspace: &Workspace, facts: &mut Facts, plan: &Plan) -> bool {
    let runs: Vec<(&flotilla_core::plan::RepoRun, Vec<ArtifactRef>)> = plan
        .runs
        .iter()
        .map(|run| (run, tagged_artifacts(&workspace.fleet, run)))
        .filter(|(_, artifacts)| !artifacts.is_empty())
        .collect();
    let missing = parallel_map(&runs, PARALLEL_READS, |(run, artifacts)| {
        artifacts
            .iter()
            .filter(|artifact| {
                let looked_up = lookup_name(workspace, run, artifact).and_then(|named| {
                    is_published(workspace, &named).map_err(|err| err.to_string())
                });
                match looked_up {
                    Ok(present) => !present,
                    Err(err) => {
                        tracing::warn!(repo = %run.repo, artifact = %artifact.name, "cannot look the artifact up, publishing it again: {err}");
                        true
                    }
                }
            })
            .cloned()
            .collect::<Vec<_>>()
    });
    let mut any = false;
    for ((run, _), missing) in runs.iter().zip(missing) {
        if let Some(repo_facts) = facts.repos.get_mut(&run.repo)
            && !missing.is_empty()
        {
            any = true;
            repo_facts.unpublished = missing;
        }
    }
    any
}

/// The artifact as its registry names it: a chart by the name in its `Chart.yaml` at the
/// run's tag, everything else as planned.
fn lookup_name(
    workspace: &Workspace,
    run: &flotilla_core::plan::RepoRun,
    artifact: &ArtifactRef,
) -> Result<ArtifactRef, String> {
    if artifact.kind != ArtifactKind::Chart {
        return Ok(artifact.clone());
    }
    let repo = workspace
        .fleet
        .repo(&run.repo)
        .ok_or_else(|| format!("{} is not in the manifest", run.repo))?;
    let mirror = workspace
        .cache
        .refresh(&repo.name, &workspace.remote_url(repo))
        .map_err(|e| e.to_string())?;
    let path = format!("{}/Chart.yaml", artifact.name.trim_end_matches('/'));
    let text = mirror
        .read_file(&run.source, &path)
        .map_err(|e| e.to_string())?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| format!("{path} is not at {}", run.source))?;
    let name = flotilla_publish::chart::chart_name(&text)
        .ok_or_else(|| format!("{path} at {} names no chart", run.source))?;
    Ok(ArtifactRef {
        name,
        ..artifact.clone()
    })
}

/// Maps `f` over `items` on up to `threads` threads, keeping the order of `items`.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = {
                        let Ok(mut next) = next.lock() else { return };
                        let index = *next;
                        *next += 1;
                        index
                    };
                    let Some(item) = items.get(index) else { return };
                    let result = f(item);
                    if let Ok(mut results) = results.lock() {
                        results[index] = Some(result);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}
