//! Gathering the facts a plan needs from the repositories' remotes.

use std::collections::BTreeMap;
use std::sync::Mutex;

use flotilla_core::Version;
use flotilla_core::fleet::Repo;
use flotilla_core::plan::{Facts, RepoFacts};

use crate::engine_error::EngineError;
use crate::workspace::Workspace;

/// How many repositories are read at once: git is mostly waiting on disk or network.
const PARALLEL_READS: usize = 8;

/// Refreshes each repository's mirror and reads its branches, tags and master version.
pub fn gather(
    workspace: &Workspace,
    repos: &[&Repo],
    timestamp: String,
) -> Result<Facts, EngineError> {
    let results = parallel_map(repos, PARALLEL_READS, |repo| repo_facts(workspace, repo));
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
) -> (Facts, Vec<(String, String)>) {
    let results = parallel_map(repos, PARALLEL_READS, |repo| repo_facts(workspace, repo));
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

fn repo_facts(workspace: &Workspace, repo: &Repo) -> Result<RepoFacts, EngineError> {
    let url = workspace.remote_url(repo);
    let mirror = workspace.cache.refresh(&repo.name, &url).map_err(|err| {
        EngineError::repo(&repo.name, format!("cannot read the remote {url}: {err}"))
    })?;
    let refs = workspace
        .git
        .ls_remote(&mirror.path().display().to_string())?;
    let master_version = mirror
        .read_file(
            &format!("refs/heads/{}", repo.default_branch),
            &repo.version_file,
        )
        .ok()
        .flatten()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| Version::parse(text.trim()).ok());
    Ok(RepoFacts {
        master_version,
        branches: refs.branches().keys().cloned().collect(),
        tags: refs.tags().keys().cloned().collect(),
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
