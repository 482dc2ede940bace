//! What the fleet looks like now: per repository the master version, the newest version (of
//! its version file and its version tags in any spelling) with its tag, and the artifacts
//! published for it, read from the remotes and the store.

use std::collections::BTreeMap;

use flotilla_core::Version;
use serde::Serialize;

use crate::engine_error::EngineError;
use crate::facts::parallel_map;
use crate::workspace::Workspace;

/// A repository's version file on the default branch, and its newest version tag.
type RemoteState = (Option<String>, Option<(Version, String)>);

#[derive(Debug, Clone, Serialize)]
pub struct RepoStatus {
    pub repo: String,
    pub category: String,
    /// The version file on the default branch, as written there.
    pub master_version: Option<String>,
    /// The repository's newest version, canonical: the highest of the version file and every
    /// version tag, whatever its spelling (`1.12.2` beside `v1.11.0.12`, `2.0.dev249`).
    pub newest_version: Option<String>,
    /// The tag of the newest tagged version, as it is spelled in the repository.
    pub last_tag: Option<String>,
    pub artifacts: Vec<ArtifactLine>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ArtifactLine {
    pub kind: String,
    pub name: String,
    pub version: String,
    pub digest: String,
    pub target: String,
}

/// Reads every repository's remote (through the mirror cache) and the recorded artifacts.
pub async fn fleet_status(workspace: &Workspace) -> Result<Vec<RepoStatus>, EngineError> {
    let mut artifacts: BTreeMap<String, Vec<ArtifactLine>> = BTreeMap::new();
    for train in workspace.store.list_trains(10_000).await? {
        let runs = workspace.store.runs_of_train(&train.id).await?;
        let repo_of: BTreeMap<String, String> = runs
            .iter()
            .map(|r| (r.run.id.to_string(), r.run.repo.clone()))
            .collect();
        for artifact in workspace.store.artifacts_of_train(&train.id).await? {
            if let Some(repo) = repo_of.get(artifact.run_id.as_str()) {
                let line = ArtifactLine {
                    kind: artifact.kind.to_string(),
                    name: artifact.name,
                    version: artifact.version,
                    digest: artifact.digest,
                    target: artifact.target,
                };
                let lines = artifacts.entry(repo.clone()).or_default();
                if !lines.contains(&line) {
                    lines.push(line);
                }
            }
        }
    }
    let ws = workspace.clone();
    let remote_state = tokio::task::spawn_blocking(move || {
        let repos: Vec<_> = ws.fleet.repos.iter().collect();
        parallel_map(&repos, 8, |repo| -> Result<RemoteState, EngineError> {
            let mirror = ws.cache.refresh(&repo.name, &ws.remote_url(repo))?;
            let master = mirror
                .read_file(
                    &format!("refs/heads/{}", repo.default_branch),
                    &repo.version_file,
                )?
                .and_then(|b| String::from_utf8(b).ok())
                .map(|t| t.trim().to_owned());
            let refs = ws.git.ls_remote(&mirror.path().display().to_string())?;
            let last_tag = refs
                .tags()
                .keys()
                .filter_map(|t| {
                    Version::from_any_tag(&repo.tag_template, t).map(|v| (v, t.clone()))
                })
                .max();
            Ok((master, last_tag))
        })
    })
    .await?;
    workspace
        .fleet
        .repos
        .iter()
        .zip(remote_state)
        .map(|(repo, state)| {
            let (master_version, last_tag) = state?;
            let file_version = master_version
                .as_deref()
                .and_then(|text| Version::parse(text).ok());
            let newest_version = file_version
                .into_iter()
                .chain(last_tag.as_ref().map(|(v, _)| *v))
                .max()
                .map(|v| v.to_string());
            let mut lines = artifacts.remove(&repo.name).unwrap_or_default();
            lines.sort();
            Ok(RepoStatus {
                repo: repo.name.clone(),
                category: repo.category.clone(),
                master_version,
                newest_version,
                last_tag: last_tag.map(|(_, t)| t),
                artifacts: lines,
            })
        })
        .collect()
}
