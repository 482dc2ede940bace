//! The resolved fleet: what the manifest means once defaults are applied, categories merged into
//! repositories and every reference checked. The plan and the engine read only this; the YAML
//! shape lives in [`crate::manifest`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::env_entry::{EnvEntry, FLOTILLA_SECRET_ENV};
use crate::executor::{Executor, ExecutorKind};
use crate::github_settings::GithubSettings;
use crate::registry_limits::RegistryLimits;
use crate::template::Template;
use crate::version::HotfixSemver;
use crate::version_file::VersionFile;

/// A validated fleet.
#[derive(Debug, Clone, Serialize)]
pub struct Fleet {
    pub settings: Settings,
    pub registries: BTreeMap<String, Registry>,
    /// Categories after merging the built-ins with the manifest, by name.
    pub categories: BTreeMap<String, Category>,
    /// Repositories in manifest order.
    pub repos: Vec<Repo>,
    pub environments: Vec<Environment>,
    pub notifications: Vec<Notification>,
    /// How `flotilla workflows` renders the repositories' GitHub Actions workflows.
    pub workflows: crate::workflows::WorkflowSettings,
    /// How flotilla reaches GitHub, for repositories with `executor: github-actions`.
    pub github: Option<GithubSettings>,
}

impl Fleet {
    pub fn repo(&self, name: &str) -> Option<&Repo> {
        self.repos.iter().find(|r| r.name == name)
    }

    /// Every environment variable that holds a secret flotilla knows: its own (under their
    /// default names), the registries' credentials and the notification URLs.
    pub fn secret_env_names(&self) -> Vec<&str> {
        let mut names = FLOTILLA_SECRET_ENV.to_vec();
        names.extend(self.registries.values().flat_map(Registry::credential_env));
        names.extend(self.notifications.iter().map(|n| n.url_env.as_str()));
        names.extend(self.github.iter().flat_map(GithubSettings::secret_env));
        names
    }
}

/// Fleet-wide settings.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// IANA time zone for master-push build stamps (the original used
    /// Asia/Seoul: REFERENCE.md §A, master push).
    pub timezone: String,
    /// Commit identity for flotilla's own commits.
    pub git_user_name: String,
    pub git_user_email: String,
    /// Whether flotilla's commits (`-S`) and tags (`-s`) are signed, with git's configuration.
    pub sign_commits: bool,
    pub sign_tags: bool,
    /// Seconds a wave waits for the artifacts of the previous wave to become visible.
    pub gate_timeout_secs: u64,
    /// How long a call to a registry server may take.
    pub registry_limits: RegistryLimits,
}

/// What a registry holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RegistryKind {
    Image,
    Pypi,
    Npm,
    Chart,
}

/// A place artifacts are published to. `url` is `http://` or `https://` for a server, or a
/// directory path (relative to the manifest) for the embedded local formats; a chart registry
/// may also be a branch of a git repository, `git+<git URL>[#<branch>]`.
#[derive(Debug, Clone, Serialize)]
pub struct Registry {
    pub name: String,
    pub kind: RegistryKind,
    pub url: String,
    /// Plain HTTP is refused unless the registry is marked insecure.
    pub insecure: bool,
    /// Names of environment variables holding credentials; never the secrets themselves.
    pub username_env: Option<String>,
    pub password_env: Option<String>,
    pub token_env: Option<String>,
    /// How long a call to it may take (the fleet's `settings:`).
    pub limits: RegistryLimits,
}

/// The branch of a git chart registry whose `url` names none.
pub const DEFAULT_CHART_BRANCH: &str = "gh-pages";

impl Registry {
    /// The environment variables its credentials are read from.
    pub fn credential_env(&self) -> impl Iterator<Item = &str> {
        [&self.username_env, &self.password_env, &self.token_env]
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// For a registry kept on a git branch (`url: git+<git URL>[#<branch>]`): the git URL and
    /// the branch, [`DEFAULT_CHART_BRANCH`] when the URL names none.
    pub fn git_branch(&self) -> Option<(&str, &str)> {
        let rest = self.url.strip_prefix("git+")?;
        Some(match rest.rsplit_once('#') {
            Some((url, branch)) => (url, branch),
            None => (rest, DEFAULT_CHART_BRANCH),
        })
    }
}

/// A trigger of the seed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    /// A push to the default branch.
    Push,
    /// A release branch created.
    ReleaseBranch,
    /// A version tag.
    Tag,
    /// Carry a released version back to the default branch.
    Reflect,
    /// Not a trigger but a point of the tag flow, for commands only (`on: [pre-tag]`): after
    /// the version files are written, before the release commit, which takes what they change.
    PreTag,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Push => "push",
            Self::ReleaseBranch => "release-branch",
            Self::Tag => "tag",
            Self::Reflect => "reflect",
            Self::PreTag => "pre-tag",
        }
    }
}

/// A category after merging built-in defaults with the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub name: String,
    pub events: Vec<Event>,
    /// Which artifacts its repositories publish by default.
    pub publishes: Publishes,
    pub branch_template: Template,
    pub tag_template: Template,
    /// Paths removed on release branches (`.github` by default: CI does not stay there).
    pub strip_paths: Vec<String>,
    /// Whether `x.y.zdevN` versions may be released (backend core only by default).
    pub dev_versions: bool,
    /// Position in the fan-out: lower runs earlier.
    pub wave_order: u32,
    pub max_parallel: usize,
    /// Where its repositories' build-and-publish steps run.
    pub executor: ExecutorKind,
    /// Its release workflow file, when it names one.
    pub release_workflow: Option<String>,
}

/// Which artifact kinds a category publishes.
#[allow(clippy::struct_excessive_bools)] // Four independent switches, as the manifest spells them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Publishes {
    pub image: bool,
    pub python: bool,
    pub npm: bool,
    pub chart: bool,
}

/// A repository with its category merged in.
#[derive(Debug, Clone, Serialize)]
pub struct Repo {
    pub name: String,
    /// A path, `file://`, `git://`, ssh or https URL.
    pub remote: String,
    pub category: String,
    pub default_branch: String,
    /// Path of the version file inside the repository (`VERSION` by default).
    pub version_file: String,
    /// The version file's content for a version (`v{canonical}` by default, like the tag).
    pub version_file_template: Template,
    /// Every file the release writes its version into, `version_file` first (unless listed
    /// with another format): all in the one release commit before the tag.
    pub version_files: Vec<VersionFile>,
    pub tag_template: Template,
    pub branch_template: Template,
    pub events: Vec<Event>,
    pub strip_paths: Vec<String>,
    pub dev_versions: bool,
    pub wave_order: u32,
    pub max_parallel: usize,
    pub depends_on: Vec<String>,
    pub hotfix_semver: Option<HotfixSemver>,
    pub image: Option<ImageArtifact>,
    pub python: Option<PythonArtifact>,
    pub npm: Option<NpmArtifact>,
    pub chart: Option<ChartArtifact>,
    /// The repository's own commands, in order.
    pub commands: Vec<Command>,
    /// What its commands and image builder see beyond the basics: its category's entries, then
    /// its own.
    pub env: Vec<EnvEntry>,
    /// Where its build-and-publish steps run.
    pub executor: Executor,
    /// The file of its release workflow in `.github/workflows` (what a GitHub Actions
    /// executor dispatches, and what `flotilla workflows` writes): its own, its category's,
    /// the `github` section's, else `flotilla-release.yml`.
    pub release_workflow: String,
}

impl Repo {
    pub fn handles(&self, event: Event) -> bool {
        self.events.contains(&event)
    }
}

/// A container image built from the repository.
#[derive(Debug, Clone, Serialize)]
pub struct ImageArtifact {
    /// Registry name for releases.
    pub registry: String,
    /// Repository path in the registry for releases, e.g. `spaceone/identity`.
    pub name: String,
    /// Repository path for master-push builds, e.g. `spaceone-dev/identity`.
    pub dev_name: String,
    /// Further registries that receive the same release tags (the original pushed
    /// to two: REFERENCE.md §A, branch tagging).
    pub mirrors: Vec<String>,
    /// Directory (relative to the repository root) whose files form the image layer.
    pub context: String,
    /// An external builder's argv with [`BUILDER_PLACEHOLDERS`], for Dockerfiles; `None` uses
    /// the daemonless builder.
    pub builder: Option<Vec<String>>,
    /// Seconds the external builder may run before it is killed.
    pub builder_timeout_secs: u64,
}

/// Seconds an image builder may run unless the manifest says otherwise.
pub const DEFAULT_BUILDER_TIMEOUT_SECS: u64 = 1800;

/// The placeholders an image builder's arguments may use. With `{output}` the builder writes an
/// OCI image layout there and flotilla pushes it; without it the builder pushes `{image}`.
pub const BUILDER_PLACEHOLDERS: &[&str] = &[
    "context",
    "dockerfile",
    "output",
    "image",
    "tag",
    "version",
    "revision",
    "source",
];

/// A Python distribution built from the repository.
#[derive(Debug, Clone, Serialize)]
pub struct PythonArtifact {
    pub registry: String,
    /// The distribution name on the index, e.g. `spaceone-identity`.
    pub name: String,
    /// Directory holding the import package(s), or the project's `pyproject.toml` or
    /// `setup.py`.
    pub source: String,
    /// The Python that runs `-m build` for a project with its own build files.
    pub interpreter: String,
    /// `python -m build` in an isolated environment (else `--no-isolation`).
    pub build_isolation: bool,
}

/// An npm package built from the repository.
#[derive(Debug, Clone, Serialize)]
pub struct NpmArtifact {
    pub registry: String,
    pub name: String,
    /// Directory holding `package.json`.
    pub directory: String,
    /// The npm client whose `pack` builds the tarball (`npm` by default).
    pub binary: String,
}

/// A Helm chart in the repository.
#[derive(Debug, Clone, Serialize)]
pub struct ChartArtifact {
    pub registry: String,
    /// Chart directory (`deploy/helm` by default).
    pub path: String,
    /// The key of `values.yaml` pinned to the release's image tag.
    pub image_tag_key: String,
    /// Whether `image_tag_key` was written in the manifest: then `values.yaml` must have it;
    /// the default key is pinned only where it exists.
    pub image_tag_key_required: bool,
}

/// A user command run by a pipeline.
#[derive(Debug, Clone, Serialize)]
pub struct Command {
    pub name: String,
    /// The program and its arguments, spawned without a shell.
    pub argv: Vec<String>,
    /// Events it runs on.
    pub on: Vec<Event>,
    pub timeout_secs: u64,
    /// What it sees beyond the basics and the repository's `env`.
    pub env: Vec<EnvEntry>,
}

/// A deployment environment (used by continuous deployment).
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent yes/no keys of the manifest, not states"
)]
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub name: String,
    pub channels: Vec<crate::version::Channel>,
    /// Whether master-push builds (`x.y.z.YYYYMMDD.HHMMSS`) deploy here.
    pub dev_builds: bool,
    pub approval: bool,
    /// Whoever started the train that made a deployment may not approve it.
    pub four_eyes: bool,
    /// Only digests a flotilla run published deploy here.
    pub require_provenance: bool,
    pub deploy: Deploy,
}

/// How an environment is deployed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Deploy {
    /// Write the image version into a values file of a deploy repository.
    Gitops {
        remote: String,
        branch: String,
        /// Values file path; `{service}` is the repository name.
        file: Template,
        /// Dotted key path of the version value, e.g. `{service}.image.version`.
        key: Template,
    },
    /// Run `helm upgrade --install`.
    Helm {
        /// Release name; `{service}` is the repository name.
        release: Template,
        /// Chart reference; `{service}` is the repository name.
        chart: Template,
        namespace: String,
        kube_context: Option<String>,
    },
}

impl Deploy {
    /// What deploy strings (file, key, release, chart) may name: the repository being deployed.
    pub const PLACEHOLDERS: &'static [&'static str] = &["service"];
}

/// Where notifications go.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub name: String,
    pub kind: NotificationKind,
    /// Environment variable holding the webhook URL (it is a secret).
    pub url_env: String,
    pub on: Vec<NotifyOn>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum NotificationKind {
    Slack,
    Webhook,
}

/// Which outcomes notify.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum NotifyOn {
    Success,
    Failure,
    /// A run that found everything already done.
    Unchanged,
    Train,
    Deploy,
}
