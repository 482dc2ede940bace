//! The release plan: given the fleet, a request and facts about the repositories, exactly what
//! will happen, in which order, with every value computed. Pure: `flotilla plan` prints it and
//! the engine executes it, so what a user reviews is what runs.

mod facts;
mod request;
mod step;
mod waves;

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::artifact::ArtifactRef;
pub use facts::{Facts, RepoFacts};
pub use request::Request;
pub use step::Step;

use crate::artifact::ArtifactKind;
use crate::fleet::{Event, Fleet, Repo};
use crate::name::{BranchName, TagName};
use crate::version::{Channel, PackageVersion, Stage, Version};

/// What a request will do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub request: Request,
    pub waves: Vec<Wave>,
    /// Every repository's run, in wave order.
    pub runs: Vec<RepoRun>,
    /// Repositories the request leaves alone, and why.
    pub skipped: Vec<Skipped>,
}

/// Repositories that may run at the same time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Wave {
    pub index: usize,
    /// Names in run order.
    pub repos: Vec<String>,
    pub max_parallel: usize,
    /// Artifacts of earlier waves that must be visible in their registries before this wave
    /// starts (the original polled PyPI for `spaceone-core`).
    pub gate: Vec<ArtifactRef>,
}

/// One repository's run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepoRun {
    pub repo: String,
    pub category: String,
    pub wave: usize,
    pub event: Event,
    /// The version this run releases or builds (canonical spelling).
    pub version: String,
    pub channel: Channel,
    /// Repositories of this plan that must succeed first.
    pub depends_on: Vec<String>,
    /// The tag exists already; the tag steps only verify it.
    pub already_tagged: bool,
    /// What the run's work tree starts from: a branch name, or `refs/tags/…`.
    pub source: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Skipped {
    pub repo: String,
    pub reason: String,
}

/// Why a request cannot run; every reason is collected before anything runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub repo: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

/// All the reasons a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PlanError {
    pub refusals: Vec<Refusal>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, refusal) in self.refusals.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match &refusal.repo {
                Some(repo) => write!(f, "{repo}: {}", refusal.message)?,
                None => f.write_str(&refusal.message)?,
            }
            if let Some(help) = &refusal.help {
                write!(f, "\n  help: {help}")?;
            }
        }
        Ok(())
    }
}

/// Computes the plan for `request`, or every reason it cannot run.
pub fn plan(fleet: &Fleet, request: &Request, facts: &Facts) -> Result<Plan, PlanError> {
    Planner {
        fleet,
        facts,
        refusals: Vec::new(),
        skipped: Vec::new(),
    }
    .plan(request)
}

struct Planner<'a> {
    fleet: &'a Fleet,
    facts: &'a Facts,
    refusals: Vec<Refusal>,
    skipped: Vec<Skipped>,
}

impl<'a> Planner<'a> {
    fn refuse(&mut self, repo: Option<&str>, message: String, help: Option<String>) {
        self.refusals.push(Refusal {
            repo: repo.map(str::to_owned),
            message,
            help,
        });
    }

    fn plan(mut self, request: &Request) -> Result<Plan, PlanError> {
        self.check_request(request);
        let selected = self.select(request);
        let mut runs = Vec::new();
        for repo in &selected {
            if let Some(run) = self.run_for(repo, request) {
                runs.push(run);
            }
        }
        if self.refusals.is_empty() && runs.is_empty() {
            self.refuse(
                None,
                format!("the {} request applies to no repository", request.kind()),
                Some("check the repositories' categories and events with `flotilla check`".into()),
            );
        }
        if !self.refusals.is_empty() {
            return Err(PlanError {
                refusals: self.refusals,
            });
        }
        let included: Vec<&Repo> = selected
            .iter()
            .copied()
            .filter(|r| runs.iter().any(|run| run.repo == r.name))
            .collect();
        let (waves, runs) = order(&included, runs);
        Ok(Plan {
            request: request.clone(),
            waves,
            runs,
            skipped: self.skipped,
        })
    }

    fn check_request(&mut self, request: &Request) {
        match request {
            Request::ReleaseStart { line, .. } | Request::ReleaseFinal { line, .. }
                if line.stage != Stage::Final =>
            {
                self.refuse(
                    None,
                    format!("a release line is x.y.z, not {line}"),
                    Some(format!(
                        "use {}; `flotilla release tag {line}` tags that exact version",
                        line.final_of_line()
                    )),
                );
            }
            Request::ReleaseHotfix { version, repos } => {
                if !matches!(version.stage, Stage::Hotfix(_)) {
                    self.refuse(
                        None,
                        format!("{version} is not a hotfix version"),
                        Some("a hotfix is x.y.z.N with N ≥ 1, e.g. 1.12.0.1".into()),
                    );
                }
                if repos.is_empty() {
                    self.refuse(
                        None,
                        "a hotfix names the repositories it applies to".into(),
                        Some("add --repo NAME for each repository".into()),
                    );
                }
            }
            _ => {}
        }
        for name in request.named_repos() {
            if self.fleet.repo(name).is_none() {
                let known: Vec<&str> = self.fleet.repos.iter().map(|r| r.name.as_str()).collect();
                self.refuse(
                    None,
                    format!("unknown repository {name:?}"),
                    Some(format!("the manifest declares: {}", known.join(", "))),
                );
            }
        }
    }

    /// The repositories the request applies to, in manifest order.
    fn select(&mut self, request: &Request) -> Vec<&'a Repo> {
        let named = request.named_repos();
        let event = match request {
            Request::Push { .. } => Event::Push,
            Request::ReleaseStart { .. } => Event::ReleaseBranch,
            _ => Event::Tag,
        };
        let dev = request
            .version()
            .is_some_and(|v| v.channel() == Channel::Dev);
        let mut selected = Vec::new();
        for repo in &self.fleet.repos {
            let explicit = named.contains(&repo.name);
            if !named.is_empty() && !explicit {
                continue;
            }
            let reason = if !repo.handles(event) {
                Some(format!(
                    "its category {} has no {} trigger",
                    repo.category,
                    event.as_str()
                ))
            } else if dev && !repo.dev_versions {
                Some(format!(
                    "development versions are only for categories that allow them; {} is {}",
                    repo.name, repo.category
                ))
            } else {
                None
            };
            match reason {
                Some(reason) if explicit => {
                    self.refuse(Some(&repo.name), reason, None);
                }
                Some(reason) => self.skipped.push(Skipped {
                    repo: repo.name.clone(),
                    reason,
                }),
                None => selected.push(repo),
            }
        }
        selected
    }

    fn facts(&self, repo: &Repo) -> RepoFacts {
        self.facts
            .repos
            .get(&repo.name)
            .cloned()
            .unwrap_or_default()
    }

    fn run_for(&mut self, repo: &Repo, request: &Request) -> Option<RepoRun> {
        match request {
            Request::Push { .. } => self.push_run(repo),
            Request::ReleaseStart { line, .. } => {
                let rc1 = Version::new(line.major, line.minor, line.patch, Stage::Rc(1));
                self.tag_run(repo, rc1, true, false)
            }
            Request::ReleaseFinal { line, .. } => self.tag_run(repo, *line, false, false),
            Request::ReleaseTag {
                version, republish, ..
            } => self.tag_run(repo, *version, false, *republish),
            Request::ReleaseHotfix { version, .. } => self.tag_run(repo, *version, false, false),
        }
    }

    fn push_run(&mut self, repo: &Repo) -> Option<RepoRun> {
        let facts = self.facts(repo);
        let Some(master) = facts.master_version else {
            self.refuse(
                Some(&repo.name),
                format!(
                    "{} on {} holds no version",
                    repo.version_file, repo.default_branch
                ),
                Some(format!(
                    "commit a version such as v0.1.0 to {}",
                    repo.version_file
                )),
            );
            return None;
        };
        let build = format!("{master}.{}", self.facts.timestamp);
        let mut steps = commands(repo, Event::Push);
        if let Some(image) = &repo.image {
            steps.push(Step::PublishImage {
                registry: image.registry.clone().into(),
                name: image.dev_name.clone(),
                tags: vec!["latest".to_owned(), build.clone()],
                context: image.context.clone(),
                builder: image.builder.clone(),
            });
        }
        steps.push(Step::Notify {
            channel: Some(Channel::Dev),
        });
        Some(RepoRun {
            repo: repo.name.clone(),
            category: repo.category.clone(),
            wave: 0,
            event: Event::Push,
            version: build,
            channel: Channel::Dev,
            depends_on: Vec::new(),
            already_tagged: false,
            source: repo.default_branch.clone(),
            steps,
        })
    }

    /// The tagging flow (and, for `release start`, the release-branch flow before it).
    fn tag_run(
        &mut self,
        repo: &Repo,
        version: Version,
        create_branch: bool,
        republish: bool,
    ) -> Option<RepoRun> {
        let facts = self.facts(repo);
        let branch = BranchName::new(version.render_branch(&repo.branch_template));
        // Every tag of the repository that names a version, read once.
        let released: Vec<(&String, Version)> = facts
            .tags
            .iter()
            .filter_map(|t| Version::from_tag(&repo.tag_template, t).map(|v| (t, v)))
            .collect();
        // The tag as this manifest spells it, or the remote's own spelling of the same version
        // (the original workflows tagged `v1.2.0-rc1` where flotilla writes `v1.2.0rc1`): a
        // version is released once, whatever its tag looks like.
        let rendered = version.render_tag(&repo.tag_template);
        let tag = TagName::new(if facts.tags.contains(&rendered) {
            rendered
        } else {
            released
                .iter()
                .find(|(_, v)| *v == version)
                .map_or(rendered, |(t, _)| (*t).clone())
        });
        let already_tagged = facts.tags.contains(tag.as_str());
        let line_tags: Vec<Version> = released
            .iter()
            .map(|(_, v)| *v)
            .filter(|v| v.same_line(&version))
            .collect();
        // A branch name without `{z}` (plugins' `release-{x}.{y}`) is shared by the patch
        // releases of its line: once an earlier patch was released from it, `release start
        // x.y.z` continues that branch instead of cutting it from the default branch again.
        let continues_branch = create_branch
            && !already_tagged
            && facts.branches.contains(branch.as_str())
            && released.iter().any(|(_, v)| {
                (v.major, v.minor) == (version.major, version.minor)
                    && v.patch < version.patch
                    && branch == v.render_branch(&repo.branch_template)
            });
        let cuts_branch = create_branch && !already_tagged && !continues_branch;
        let refusals_before = self.refusals.len();

        if cuts_branch && facts.diverged_branches.contains(branch.as_str()) {
            self.refuse(
                Some(&repo.name),
                format!(
                    "release branch {branch} already exists and has commits that {} does not have",
                    repo.default_branch
                ),
                Some(format!(
                    "continue the line with `flotilla release tag`, or delete {branch} if it was \
                     cut by mistake"
                )),
            );
        }
        if version.channel() != Channel::Dev
            && !create_branch
            && !facts.branches.contains(branch.as_str())
        {
            self.refuse(
                Some(&repo.name),
                format!("release branch {branch} does not exist"),
                Some(format!(
                    "start the line first: flotilla release start {}",
                    version.final_of_line()
                )),
            );
        }
        if let Stage::Hotfix(_) = version.stage {
            let final_tag = version.final_of_line().render_tag(&repo.tag_template);
            if !facts.tags.contains(&final_tag) {
                self.refuse(
                    Some(&repo.name),
                    format!(
                        "hotfix {version} of a line that has no final ({final_tag} is not tagged)"
                    ),
                    Some(format!(
                        "release the final first: flotilla release final {}",
                        version.final_of_line()
                    )),
                );
            }
        }
        if !already_tagged
            && matches!(version.stage, Stage::Dev(_) | Stage::Rc(_))
            && let Some(done) = line_tags.iter().find(|v| v.stage >= Stage::Final)
        {
            {
                self.refuse(
                    Some(&repo.name),
                    format!("{version} comes before {done}, which is already released"),
                    Some("tag a hotfix or start a new line".into()),
                );
            }
        } else if !already_tagged
            && let Stage::Dev(_) = version.stage
            && let Some(rc) = line_tags
                .iter()
                .filter(|v| v.channel() == Channel::Rc)
                .max()
        {
            // A development version sorts below every release candidate of its line, so
            // publishing one now would put a package under the release candidate already out.
            self.refuse(
                Some(&repo.name),
                format!(
                    "{version} comes before {rc}: development versions precede a line's release candidates"
                ),
                Some(format!(
                    "tag the next release candidate ({}) or develop on a new line",
                    next_after(rc).map_or_else(|| "none left".into(), |v| v.to_string())
                )),
            );
        }
        if !already_tagged
            && let Some(newer) = line_tags
                .iter()
                .filter(|v| v.channel() == version.channel() && **v > version)
                .max()
        {
            {
                self.refuse(
                    Some(&repo.name),
                    format!("{version} is older than {newer}, already tagged"),
                    Some(format!(
                        "the next one is {}",
                        next_after(newer).map_or_else(|| "a new line".into(), |v| v.to_string())
                    )),
                );
            }
        }
        let semver = if repo.npm.is_some() || repo.chart.is_some() {
            match version.semver(repo.hotfix_semver) {
                Ok(s) => Some(s),
                Err(err) => {
                    self.refuse(Some(&repo.name), err.to_string(), None);
                    None
                }
            }
        } else {
            None
        };
        if repo.npm.is_some()
            && matches!(version.stage, Stage::Hotfix(_))
            && repo.hotfix_semver == Some(crate::version::HotfixSemver::BuildMetadata)
        {
            // npm drops build metadata, so `x.y.z+hotfix.N` would republish `x.y.z`.
            self.refuse(
                Some(&repo.name),
                format!("{version} cannot be published to npm as build metadata: the registry would see {} again", version.final_of_line()),
                Some("set `hotfix_semver: patch-bump` on the repository".into()),
            );
        }
        if self.refusals.len() > refusals_before {
            return None;
        }

        let mut steps = Vec::new();
        let dev = version.channel() == Channel::Dev;
        // A line whose first tag exists was cut already: there is nothing to create again.
        if cuts_branch {
            steps.push(Step::CreateBranch {
                branch: branch.clone(),
                from: repo.default_branch.clone().into(),
                tag: tag.clone(),
            });
            if !repo.strip_paths.is_empty() {
                steps.push(Step::StripPaths {
                    branch: branch.clone(),
                    paths: repo.strip_paths.clone(),
                    message: "[CI/CD] remove CI from the release branch".to_owned(),
                });
            }
        }
        let version_content = version.render_tag(&repo.version_file_template);
        if !dev && !already_tagged {
            steps.push(Step::SetVersion {
                branch: branch.clone(),
                file: repo.version_file.clone(),
                content: format!("{version_content}\n"),
                message: format!("[CI/CD] release version {tag}"),
            });
            steps.push(Step::TagAndPush {
                branch: branch.clone(),
                tag: tag.clone(),
                message: format!("release {tag}"),
            });
            if repo.handles(Event::Reflect) {
                steps.push(Step::Reflect {
                    branch: repo.default_branch.clone().into(),
                    file: repo.version_file.clone(),
                    content: format!("{version_content}\n"),
                    version,
                    master_version: facts.master_version,
                    message: format!("[CI/CD] reflect version {tag}"),
                });
            }
        }
        if !already_tagged || republish || dev {
            steps.extend(commands(repo, Event::Tag));
            steps.extend(publish_steps(repo, version, semver.as_deref(), dev));
        }
        steps.push(Step::Notify {
            channel: Some(version.channel()),
        });
        Some(RepoRun {
            repo: repo.name.clone(),
            category: repo.category.clone(),
            wave: 0,
            event: if create_branch {
                Event::ReleaseBranch
            } else {
                Event::Tag
            },
            version: version.to_string(),
            channel: version.channel(),
            depends_on: Vec::new(),
            already_tagged,
            source: if dev || cuts_branch {
                repo.default_branch.clone()
            } else if already_tagged {
                format!("refs/tags/{tag}")
            } else {
                branch.into_string()
            },
            steps,
        })
    }
}

fn next_after(version: &Version) -> Option<Version> {
    match version.stage {
        Stage::Dev(_) => version.next_dev().ok(),
        Stage::Rc(_) => version.next_rc().ok(),
        Stage::Final | Stage::Hotfix(_) => version.next_hotfix().ok(),
    }
}

fn commands(repo: &Repo, event: Event) -> Vec<Step> {
    repo.commands
        .iter()
        .filter(|c| c.on.contains(&event))
        .map(|c| Step::Run {
            name: c.name.clone(),
            argv: c.argv.clone(),
            timeout_secs: c.timeout_secs,
        })
        .collect()
}

/// The artifacts a release publishes. Development versions publish packages only (no image,
/// no chart), as the original's core libraries did; releases never move `latest` on images.
fn publish_steps(repo: &Repo, version: Version, semver: Option<&str>, dev: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    if let Some(python) = &repo.python {
        steps.push(Step::PublishPython {
            registry: python.registry.clone().into(),
            name: python.name.clone(),
            version: PackageVersion::new(version.pep440()),
            source: python.source.clone(),
        });
    }
    if let (Some(npm), Some(semver)) = (&repo.npm, semver) {
        steps.push(Step::PublishNpm {
            registry: npm.registry.clone().into(),
            name: npm.name.clone(),
            version: semver.into(),
            dist_tag: dist_tag(version.channel()).to_owned(),
            directory: npm.directory.clone(),
        });
    }
    if dev {
        return steps;
    }
    if let Some(image) = &repo.image {
        for registry in std::iter::once(&image.registry).chain(&image.mirrors) {
            steps.push(Step::PublishImage {
                registry: registry.clone().into(),
                name: image.name.clone(),
                tags: vec![version.docker_tag()],
                context: image.context.clone(),
                builder: image.builder.clone(),
            });
        }
    }
    if let (Some(chart), Some(semver)) = (&repo.chart, semver) {
        steps.push(Step::PublishChart {
            registry: chart.registry.clone().into(),
            path: chart.path.clone(),
            version: semver.into(),
            app_version: PackageVersion::new(version.docker_tag()),
        });
    }
    steps
}

/// npm dist-tags: only finals and hotfixes move `latest`, so `npm install NAME` never lands on
/// a pre-release.
pub fn dist_tag(channel: Channel) -> &'static str {
    match channel {
        Channel::Final | Channel::Hotfix => "latest",
        Channel::Rc => "rc",
        Channel::Dev => "dev",
    }
}

/// Orders runs into waves and fills in each run's wave, in-plan dependencies and gates.
/// Linear in runs and dependency edges: fleets of thousands of repositories are planned.
fn order(included: &[&Repo], runs: Vec<RepoRun>) -> (Vec<Wave>, Vec<RepoRun>) {
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

/// What a dependent waits for: the packages a run publishes (images are not installed by
/// dependents, so they gate nothing).
fn gate_artifacts(run: &RepoRun) -> Vec<ArtifactRef> {
    run.steps
        .iter()
        .filter_map(|step| match step {
            Step::PublishPython {
                registry,
                name,
                version,
                ..
            } => Some(ArtifactRef {
                repo: run.repo.clone(),
                kind: ArtifactKind::Python,
                registry: registry.clone(),
                name: name.clone(),
                version: version.clone(),
            }),
            Step::PublishNpm {
                registry,
                name,
                version,
                ..
            } => Some(ArtifactRef {
                repo: run.repo.clone(),
                kind: ArtifactKind::Npm,
                registry: registry.clone(),
                name: name.clone(),
                version: version.clone(),
            }),
            _ => None,
        })
        .collect()
}
