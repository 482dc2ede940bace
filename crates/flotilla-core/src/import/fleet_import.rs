//! A whole imported fleet: every repository decided, dependencies between them, and what
//! remains for the team to decide.

use std::collections::BTreeMap;

use serde::Serialize;

use super::found_version_file::FoundVersionFile;
use super::imported_repo::ImportedRepo;
use super::python_project::normalize;
use super::repo_scan::RepoScan;
use crate::manifest::dependency_graph;

/// The result of `flotilla import`, before it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetImport {
    pub repos: Vec<ImportedRepo>,
    /// Fleet-wide questions left open.
    pub undecided: Vec<String>,
}

impl FleetImport {
    /// Decides every repository, then links them by what their packages require.
    pub fn from_scans(scans: &[RepoScan]) -> Self {
        let mut repos: Vec<ImportedRepo> = scans.iter().map(ImportedRepo::decide).collect();
        link(&mut repos);
        let undecided = fleet_questions(&repos);
        Self { repos, undecided }
    }
}

/// `depends_on` from Python requirements and npm dependencies naming another member's package,
/// with any cycle broken (and said).
fn link(repos: &mut [ImportedRepo]) {
    let mut python: BTreeMap<String, usize> = BTreeMap::new();
    let mut npm: BTreeMap<String, usize> = BTreeMap::new();
    for (index, repo) in repos.iter().enumerate() {
        if let Some(name) = &repo.python_name {
            python.insert(normalize(name), index);
        }
        // A private package cannot be installed from a registry, but its name still says
        // which repository a dependency means.
        if let Some(name) = repo.evidence.npm.as_ref().and_then(|n| n.name.clone()) {
            npm.insert(name, index);
        }
    }
    let mut edges: Vec<Vec<usize>> = repos
        .iter()
        .enumerate()
        .map(|(index, repo)| {
            let mut deps: Vec<usize> = Vec::new();
            if let Some(project) = &repo.evidence.python {
                deps.extend(
                    project
                        .requires
                        .iter()
                        .filter_map(|r| python.get(&normalize(r)).copied()),
                );
            }
            if let Some(package) = &repo.evidence.npm {
                deps.extend(
                    package
                        .dependencies
                        .iter()
                        .filter_map(|d| npm.get(d).copied()),
                );
            }
            deps.retain(|d| *d != index);
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect();
    loop {
        let cycles = dependency_graph::cycles(&edges);
        let Some(cycle) = cycles.first() else { break };
        let (Some(&last), Some(&first)) = (cycle.last(), cycle.first()) else {
            break;
        };
        edges[last].retain(|d| *d != first);
        let path: Vec<&str> = cycle
            .iter()
            .chain(std::iter::once(&first))
            .map(|i| repos[*i].name.as_str())
            .collect();
        let dropped = repos[first].name.clone();
        repos[last].undecided.push(format!(
            "depends_on {dropped} left out: it closes the cycle {}",
            path.join(" → ")
        ));
    }
    // With build isolation (the default), `python -m build` installs the build requirements
    // from PyPI or pip's configured index, where a member's release may not be.
    for repo in repos.iter_mut() {
        let Some(project) = repo
            .evidence
            .python
            .as_ref()
            .filter(|_| repo.publishes("python"))
        else {
            continue;
        };
        let members: Vec<&str> = project
            .build_requires
            .iter()
            .filter(|r| python.contains_key(&normalize(r)))
            .map(String::as_str)
            .collect();
        if !members.is_empty() {
            let note = format!(
                "{}'s [build-system] requires {}, of this fleet: isolated builds install it \
                 from PyPI or pip's configured index; if that index does not have it, set \
                 python.build_isolation: false and install it into the interpreter",
                project.file,
                members.join(", ")
            );
            repo.undecided.push(note);
        }
    }
    let names: Vec<String> = repos.iter().map(|r| r.name.clone()).collect();
    for (repo, deps) in repos.iter_mut().zip(edges) {
        let mut deps: Vec<String> = deps.into_iter().map(|d| names[d].clone()).collect();
        deps.sort();
        repo.depends_on = deps;
    }
}

fn fleet_questions(repos: &[ImportedRepo]) -> Vec<String> {
    let mut questions = Vec::new();
    let list = |kind: &str| -> Vec<&str> {
        repos
            .iter()
            .filter(|r| r.publishes(kind))
            .map(|r| r.name.as_str())
            .collect()
    };
    let images = list("image");
    if !images.is_empty() {
        questions.push(format!(
            "images ({}): built from a Dockerfile only with an external builder \
             (categories.NAME.image_builder or image.builder, see the README's Image builders); \
             without one flotilla packs the files as one layer. Release images are \
             fleet/<repository> until settings.image_namespace names yours",
            images.join(", ")
        ));
    }
    let semver: Vec<&str> = repos
        .iter()
        .filter(|r| {
            r.publishes("npm")
                || r.publishes("chart")
                || r.version_files.iter().any(FoundVersionFile::needs_semver)
        })
        .map(|r| r.name.as_str())
        .collect();
    if !semver.is_empty() {
        questions.push(format!(
            "hotfix_semver: SemVer has no x.y.z.N, so a hotfix of {} (npm packages, charts or \
             SemVer version files) is refused until hotfix_semver is patch-bump or \
             build-metadata",
            semver.join(", ")
        ));
    }
    if repos.iter().any(|r| !r.artifacts.is_empty()) {
        questions.push(
            "registries: none declared, so artifacts go to local directories under \
             .flotilla/artifacts; declare your registries to publish for real"
                .to_owned(),
        );
    }
    questions
}
