//! Putting the planned runs in waves, with each run's in-plan dependencies and each wave's gate.

use std::collections::{HashMap, HashSet};

use crate::fleet::Repo;
use crate::plan::gate::gate_artifacts;
use crate::plan::repo_run::RepoRun;
use crate::plan::wave::Wave;
use crate::plan::waves;

/// Orders runs into waves and fills in each run's wave, in-plan dependencies and gates.
/// Linear in runs and dependency edges: fleets of thousands of repositories are planned.
pub(crate) fn order(included: &[&Repo], runs: Vec<RepoRun>) -> (Vec<Wave>, Vec<RepoRun>) {
    let grouped = waves::waves(included);
    let included_names: HashSet<&str> = included.iter().map(|r| r.name.as_str()).collect();
    let mut unordered: HashMap<String, RepoRun> =
        runs.into_iter().map(|r| (r.repo.clone(), r)).collect();
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut waves = Vec::new();
    let mut ordered: Vec<RepoRun> = Vec::new();
    for (index, group) in grouped.iter().enumerate() {
        let mut gate = Vec::new();
        for repo in group {
            for dep in &repo.depends_on {
                let Some(dep_run) = position.get(dep).map(|&at| &ordered[at]) else {
                    continue;
                };
                for artifact in gate_artifacts(dep_run) {
                    if !gate.contains(&artifact) {
                        gate.push(artifact);
                    }
                }
            }
        }
        let mut names = Vec::new();
        for repo in group {
            if let Some(mut run) = unordered.remove(&repo.name) {
                run.wave = index;
                run.depends_on = repo
                    .depends_on
                    .iter()
                    .filter(|d| included_names.contains(d.as_str()))
                    .cloned()
                    .collect();
                names.push(run.repo.clone());
                position.insert(run.repo.clone(), ordered.len());
                ordered.push(run);
            }
        }
        waves.push(Wave {
            index,
            repos: names,
            max_parallel: group
                .iter()
                .map(|r| r.max_parallel)
                .min()
                .unwrap_or(1)
                .max(1),
            gate,
        });
    }
    (waves, ordered)
}
