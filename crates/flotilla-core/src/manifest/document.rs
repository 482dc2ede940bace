//! The YAML shape of `flotilla.yaml`, as written: every key optional where a default exists, no
//! defaults applied yet (that is [`super::resolver`]'s job). Doc comments become the
//! descriptions of `flotilla schema`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::node_deserializer::Deferred;
use super::workflows_doc::WorkflowsDoc;
use crate::executor::ExecutorKind;
use crate::fleet::{Event, NotificationKind, NotifyOn, RegistryKind};
use crate::version::{Channel, HotfixSemver};

/// The fleet manifest, `flotilla.yaml`. Keys starting with `x-` are ignored wherever the keys
/// are fixed (not among registry or category names): define YAML anchors there and merge them
/// in with `<<: *anchor`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename = "manifest", deny_unknown_fields)]
pub(crate) struct Document {
    /// Fleet-wide settings.
    #[serde(default)]
    pub settings: Option<Deferred<SettingsDoc>>,
    /// Registries by name. When none are declared, four local ones exist: `local-images`,
    /// `local-pypi`, `local-npm` and `local-charts`, directories under `.flotilla/artifacts`.
    #[serde(default)]
    pub registries: BTreeMap<String, Deferred<RegistryDoc>>,
    /// Overrides of the built-in categories (`frontend`, `backend`, `backend-core`,
    /// `frontend-core`, `plugin`, `tool`) or new categories, by name. Only the keys written
    /// change; the rest keep the built-in defaults.
    #[serde(default)]
    pub categories: BTreeMap<String, Deferred<CategoryDoc>>,
    /// The repositories of the fleet.
    pub repositories: Vec<Deferred<RepositoryDoc>>,
    /// Deployment environments, in promotion order.
    #[serde(default)]
    pub environments: Vec<Deferred<EnvironmentDoc>>,
    /// Where run and train outcomes are announced.
    #[serde(default)]
    pub notifications: Vec<Deferred<NotificationDoc>>,
    /// GitHub Actions workflows rendered into every repository by `flotilla workflows`.
    #[serde(default)]
    pub workflows: Option<Deferred<WorkflowsDoc>>,
    /// How flotilla reaches GitHub: needed when a category or repository has `executor:
    /// github-actions`.
    #[serde(default)]
    pub github: Option<Deferred<GithubDoc>>,
}

/// The GitHub API that runs the release workflows of `executor: github-actions` repositories.
#[derive(Deserialize, JsonSchema)]
#[serde(rename = "github", deny_unknown_fields)]
pub(crate) struct GithubDoc {
    /// REST API base URL. Default `https://api.github.com`; GitHub Enterprise Server:
    /// `https://HOST/api/v3`.
    pub api_url: Option<String>,
    /// Allow a plain `http://` `api_url` (a local test server). Default false.
    #[serde(default)]
    pub insecure: bool,
    /// The organisation or user that owns the repositories: a repository's GitHub name is
    /// `<owner>/<repository name>` unless it sets `github_repository`.
    pub owner: String,
    /// How flotilla authenticates. Default: a token in `GITHUB_TOKEN`.
    pub auth: Option<GithubAuthDoc>,
    /// The release workflow file dispatched for a tag (in `.github/workflows`). Default
    /// `flotilla-release.yml`; categories and repositories may name their own.
    pub release_workflow: Option<String>,
    /// Seconds between two looks at a workflow run in flight. Default 10.
    pub poll_interval_secs: Option<u64>,
    /// Seconds a dispatched workflow run has to appear before flotilla dispatches once more
    /// (a lost dispatch), and then gives up. Default 120.
    pub dispatch_timeout_secs: Option<u64>,
}

/// GitHub credentials: `token_env` alone, or a GitHub App (`app_id`, `installation_id` and one
/// of `private_key_env`, `private_key_file`).
#[derive(Deserialize, JsonSchema)]
#[serde(rename = "github_auth", deny_unknown_fields)]
pub(crate) struct GithubAuthDoc {
    /// Environment variable holding a token with `actions: write` on the repositories.
    pub token_env: Option<String>,
    /// The GitHub App's id.
    pub app_id: Option<u64>,
    /// The id of the App's installation on the owner.
    pub installation_id: Option<u64>,
    /// Environment variable holding the App's private key (PEM).
    pub private_key_env: Option<String>,
    /// File holding the App's private key (PEM), relative to the manifest.
    pub private_key_file: Option<String>,
}

/// Fleet-wide settings.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename = "settings", deny_unknown_fields)]
pub(crate) struct SettingsDoc {
    /// IANA time zone of master-push build stamps (`x.y.z.YYYYMMDD.HHMMSS`), looked up in the
    /// time zone database when the manifest is loaded (`flotilla check`). Default `UTC`.
    pub timezone: Option<String>,
    /// Author name of flotilla's commits. Default `flotilla`.
    pub git_user_name: Option<String>,
    /// Author e-mail of flotilla's commits. Default `flotilla@localhost`.
    pub git_user_email: Option<String>,
    /// Signing of flotilla's commits and tags with git's own configuration
    /// (`user.signingkey`, `gpg.format`). Default: neither.
    pub sign: Option<SignDoc>,
    /// Seconds a wave waits for the previous wave's artifacts to appear. Default 600.
    pub gate_timeout_secs: Option<u64>,
    /// Seconds a registry server has to accept a connection. Default 10.
    pub registry_connect_timeout_secs: Option<u64>,
    /// Seconds a request that sends nothing (a GET, a HEAD) may wait for its whole answer: what
    /// ends an attempt on a registry that stalled; the attempt is then retried. Default 60.
    pub registry_read_timeout_secs: Option<u64>,
    /// Seconds an upload, or an image layer download, may take, answer included. Default 300.
    pub registry_request_timeout_secs: Option<u64>,
    /// Seconds one registry call may take, its retries included: the longest a stalled
    /// registry holds a step. Default 300.
    pub registry_timeout_secs: Option<u64>,
    /// Default image namespace: release images are `<namespace>/<repository>`, master-push
    /// builds `<namespace>-dev/<repository>`. Default `fleet`.
    pub image_namespace: Option<String>,
}

/// Which of flotilla's git objects are signed.
#[derive(Default, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename = "sign", deny_unknown_fields)]
pub(crate) struct SignDoc {
    /// `git commit -S` for every commit flotilla makes. Default false.
    #[serde(default)]
    pub commits: bool,
    /// `git tag -s` for every tag flotilla makes. Default false.
    #[serde(default)]
    pub tags: bool,
}

/// A registry artifacts are published to.
#[derive(Deserialize, JsonSchema)]
#[serde(rename = "registry", deny_unknown_fields)]
pub(crate) struct RegistryDoc {
    /// What it holds.
    pub kind: RegistryKind,
    /// `https://` (or `http://` with `insecure: true`) for a server, or a directory relative to
    /// the manifest for the embedded local formats. A chart registry may be a branch of a git
    /// repository: `git+<git URL>[#<branch>]` (default branch `gh-pages`).
    pub url: String,
    /// Allow plain HTTP. Default false.
    #[serde(default)]
    pub insecure: bool,
    /// Environment variable holding the user name (with `password_env`).
    pub username_env: Option<String>,
    /// Environment variable holding the password (with `username_env`).
    pub password_env: Option<String>,
    /// Environment variable holding a token.
    pub token_env: Option<String>,
}

/// A category: defaults shared by its repositories. Every key is optional.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename = "category", deny_unknown_fields)]
pub(crate) struct CategoryDoc {
    /// Events its repositories handle.
    pub events: Option<Vec<Event>>,
    /// Artifacts its repositories publish.
    pub publishes: Option<PublishesDoc>,
    /// Release branch name; placeholders `{x}`, `{y}`, `{z}`; must use `{x}` and `{y}`.
    pub branch_template: Option<String>,
    /// Tag name; placeholders `{canonical}`, `{pep440}`, `{x}`, `{y}`, `{z}`; must use
    /// `{canonical}` or `{pep440}`.
    pub tag_template: Option<String>,
    /// Paths removed on release branches.
    pub strip_paths: Option<Vec<String>>,
    /// Further files its repositories write the version into, as `version_files` of a
    /// repository (which overrides it).
    pub version_files: Option<Vec<VersionFileDoc>>,
    /// Whether development versions (`x.y.zdevN`) may be released.
    pub dev_versions: Option<bool>,
    /// Position in a release train: lower runs earlier.
    pub wave_order: Option<u32>,
    /// How many of its repositories a train runs at once (at least 1).
    pub max_parallel: Option<usize>,
    /// Where its repositories' commands and publish steps run: `local` (the default) or
    /// `github-actions` (a runner, through the release workflow; needs the `github` section).
    pub executor: Option<ExecutorKind>,
    /// The release workflow file of its repositories. Default: `github.release_workflow`.
    pub release_workflow: Option<String>,
    /// The external image builder of its repositories, as `image.builder` of a repository
    /// (which overrides it).
    pub image_builder: Option<Vec<String>>,
    /// How its repositories spell hotfixes `x.y.z.N` in `SemVer`, as `hotfix_semver` of a
    /// repository (which overrides it).
    pub hotfix_semver: Option<HotfixSemver>,
    /// Environment variables its repositories' commands and image builder see beyond the basics (PATH,
    /// HOME, USER, locale, TZ, TMPDIR, TERM, proxies and flotilla's `FLOTILLA_VERSION` family):
    /// `NAME` passes flotilla's value, `PREFIX*` every variable starting with `PREFIX`,
    /// `NAME=value` sets one. flotilla's secrets (its tokens, registry credentials, notification
    /// URLs) are refused.
    /// A repository's own `env` adds to this list.
    #[serde(default)]
    pub env: Vec<String>,
}

/// Which artifacts are published. Unset keys keep the category's choice.
#[derive(Default, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename = "publishes", deny_unknown_fields)]
pub(crate) struct PublishesDoc {
    /// A container image.
    pub image: Option<bool>,
    /// A Python distribution.
    pub python: Option<bool>,
    /// An npm package.
    pub npm: Option<bool>,
    /// A Helm chart.
    pub chart: Option<bool>,
}

/// A repository of the fleet. Keys left out come from its category.
#[derive(Deserialize, JsonSchema)]
#[serde(rename = "repository", deny_unknown_fields)]
pub(crate) struct RepositoryDoc {
    /// Unique name; also the service name in deployments.
    pub name: String,
    /// Git remote: a path, `file://`, `git://`, ssh or https URL (without credentials).
    pub remote: String,
    /// A built-in or declared category.
    pub category: String,
    /// Default `master`.
    pub default_branch: Option<String>,
    /// Path of the version file in the repository. Default `VERSION`.
    pub version_file: Option<String>,
    /// Content of the version file; placeholders as for tags. Default: the tag template.
    pub version_file_template: Option<String>,
    /// Further files the release writes its version into, in the same commit as
    /// `version_file`. Default: the category's.
    pub version_files: Option<Vec<VersionFileDoc>>,
    /// Overrides the category's tag template.
    pub tag_template: Option<String>,
    /// Overrides the category's branch template.
    pub branch_template: Option<String>,
    /// Overrides the category's events.
    pub events: Option<Vec<Event>>,
    /// Overrides the category's paths removed on release branches.
    pub strip_paths: Option<Vec<String>>,
    /// Repositories released before this one.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// How hotfixes `x.y.z.N` are spelled in `SemVer` (npm, charts).
    pub hotfix_semver: Option<HotfixSemver>,
    /// Switches artifacts on or off against the category (`publishes: {image: false}`).
    pub publishes: Option<PublishesDoc>,
    /// Container image settings; writing this section also switches the image on.
    pub image: Option<ImageDoc>,
    /// Python distribution settings; writing this section also switches it on.
    pub python: Option<PythonDoc>,
    /// npm package settings; writing this section also switches it on.
    pub npm: Option<NpmDoc>,
    /// Helm chart settings; writing this section also switches it on.
    pub chart: Option<ChartDoc>,
    /// The repository's own commands, run in order.
    #[serde(default)]
    pub commands: Vec<CommandDoc>,
    /// Environment variables its commands and image builder see beyond the basics (PATH,
    /// HOME, USER, locale, TZ, TMPDIR, TERM, proxies and flotilla's `FLOTILLA_VERSION` family):
    /// `NAME` passes flotilla's value, `PREFIX*` every variable starting with `PREFIX`,
    /// `NAME=value` sets one. flotilla's secrets (its tokens, registry credentials, notification
    /// URLs) are refused.
    /// Added to its category's `env`.
    #[serde(default)]
    pub env: Vec<String>,
    /// Overrides its category's `executor` (`local` or `github-actions`).
    pub executor: Option<ExecutorKind>,
    /// Overrides its category's release workflow file.
    pub release_workflow: Option<String>,
    /// Its GitHub repository, `owner/name`. Default `<github.owner>/<name>`.
    pub github_repository: Option<String>,
}

/// A file that carries the version.
#[derive(Deserialize, JsonSchema)]
#[serde(rename = "version_file", deny_unknown_fields)]
pub(crate) struct VersionFileDoc {
    /// Relative to the repository's root.
    pub path: String,
    /// `canonical` (default: the version-file template, `v1.2.3rc1`), `pep440`, `semver`,
    /// `package.json` (its `"version"`, SemVer), `Chart.yaml` (`version` SemVer and
    /// `appVersion` the image tag), `python` (a `__version__ = "…"` line, PEP 440) or
    /// `pyproject` (the static `[project] version`, PEP 440).
    pub format: Option<String>,
    /// For `canonical`: the file's content; placeholders as for tags.
    pub template: Option<String>,
    /// For `Chart.yaml`: which keys to write, of `version` and `appVersion`. Default both.
    pub keys: Option<Vec<String>>,
}

/// A container image.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename = "image", deny_unknown_fields)]
pub(crate) struct ImageDoc {
    /// Release repository path. Default `<image_namespace>/<repository>` (without a leading
    /// `plugin-` for plugins).
    pub name: Option<String>,
    /// Master-push repository path. Default: the name with `-dev` after its first component.
    pub dev_name: Option<String>,
    /// Registry name; may be left out when only one image registry exists.
    pub registry: Option<String>,
    /// Further image registries receiving the same release tags.
    #[serde(default)]
    pub mirrors: Vec<String>,
    /// Directory of the image's files (the build context of a builder). Default `.`.
    pub context: Option<String>,
    /// An external image builder for Dockerfiles (buildah, podman, docker, kaniko): program and
    /// arguments, run without a shell in the work tree. Placeholders: `{context}` and
    /// `{dockerfile}` (absolute paths), `{output}` (an empty OCI layout directory the builder
    /// writes; flotilla then pushes it), `{image}` (the full reference, for builders that push
    /// themselves when `{output}` is not used), `{tag}`, `{version}`, `{revision}` and
    /// `{source}` (for the `org.opencontainers.image.*` labels). Default: the category's
    /// `image_builder`, else the daemonless builder.
    pub builder: Option<Vec<String>>,
    /// Seconds the builder may run. Default 1800.
    pub builder_timeout_secs: Option<u64>,
}

/// A Python distribution.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename = "python", deny_unknown_fields)]
pub(crate) struct PythonDoc {
    /// Distribution name. Default: the repository name.
    pub name: Option<String>,
    /// Registry name; may be left out when only one pypi registry exists.
    pub registry: Option<String>,
    /// Directory of the import packages. Default `src`. When it holds `pyproject.toml` or
    /// `setup.py`, the project's own build backend builds it (`python -m build`).
    pub source: Option<String>,
    /// The Python that runs `-m build` for a project with its own build files. Default
    /// `python3`.
    pub interpreter: Option<String>,
    /// Whether `python -m build` installs the build requirements in an isolated environment
    /// (`false`: `--no-isolation`, with what the interpreter has). Default `true`.
    pub build_isolation: Option<bool>,
}

/// An npm package.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename = "npm", deny_unknown_fields)]
pub(crate) struct NpmDoc {
    /// Package name. Default: the repository name.
    pub name: Option<String>,
    /// Registry name; may be left out when only one npm registry exists.
    pub registry: Option<String>,
    /// Directory holding `package.json`. Default `.`.
    pub directory: Option<String>,
    /// The npm client that packs the package (`npm pack`, its `prepack` and `prepare` scripts
    /// run): a program name looked up in `PATH`, or a path. Default `npm`.
    pub binary: Option<String>,
}

/// A Helm chart.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename = "chart", deny_unknown_fields)]
pub(crate) struct ChartDoc {
    /// Chart directory. Default `deploy/helm`.
    pub path: Option<String>,
    /// Registry name; may be left out when only one chart registry exists.
    pub registry: Option<String>,
    /// The dotted key of `values.yaml` set to the release's image tag when the chart is
    /// packaged (`image.version`, `image.tag`). Default `image.version`, pinned when
    /// `values.yaml` has it; a key written here must be there.
    pub image_tag_key: Option<String>,
}

/// A command of the repository, spawned without a shell.
#[derive(Deserialize, JsonSchema)]
#[serde(rename = "command", deny_unknown_fields)]
pub(crate) struct CommandDoc {
    /// Unique within the repository.
    pub name: String,
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Events it runs on. Default: every event the repository handles.
    pub on: Option<Vec<Event>>,
    /// Default 600.
    pub timeout_secs: Option<u64>,
    /// Environment variables this command sees beyond those of its repository's `env`, written
    /// the same way.
    #[serde(default)]
    pub env: Vec<String>,
}

/// A deployment environment.
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent yes/no keys of the manifest, not states"
)]
#[derive(Deserialize, JsonSchema)]
#[serde(rename = "environment", deny_unknown_fields)]
pub(crate) struct EnvironmentDoc {
    pub name: String,
    /// Release channels it follows: `dev`, `rc`, `final`, `hotfix`.
    #[serde(default)]
    #[schemars(schema_with = "channels_schema")]
    pub channels: Vec<Channel>,
    /// Whether master-push builds deploy here. Default false.
    #[serde(default)]
    pub dev_builds: bool,
    /// Whether a deployment waits for approval. Default false.
    #[serde(default)]
    pub approval: bool,
    /// Whether whoever started the train that made a deployment is refused as its approver.
    /// Default false.
    #[serde(default)]
    pub four_eyes: bool,
    /// Whether only image digests that a flotilla run published deploy here; any other is
    /// refused, with the reason on the deployment. Default false.
    #[serde(default)]
    pub require_provenance: bool,
    pub deploy: DeployDoc,
}

/// `Channel` is the version model's type and carries no schema of its own.
fn channels_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "array",
        "items": { "enum": ["dev", "rc", "final", "hotfix"] }
    })
}

/// How an environment is deployed. Which keys apply depends on `kind`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename = "deploy", deny_unknown_fields)]
pub(crate) struct DeployDoc {
    pub kind: DeployKind,
    /// gitops: the deploy repository's remote.
    pub remote: Option<String>,
    /// gitops: branch to commit to. Default `master`.
    pub branch: Option<String>,
    /// gitops: values file; `{service}` is the repository name.
    pub file: Option<String>,
    /// gitops: dotted key of the version. Default `{service}.image.version`.
    pub key: Option<String>,
    /// helm: release name. Default `{service}`.
    pub release: Option<String>,
    /// helm: chart reference.
    pub chart: Option<String>,
    /// helm: namespace. Default `default`.
    pub namespace: Option<String>,
    /// helm: kubeconfig context.
    pub kube_context: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DeployKind {
    /// Write the image version into a values file of a deploy repository.
    Gitops,
    /// Run `helm upgrade --install`.
    Helm,
}

impl DeployKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gitops => "gitops",
            Self::Helm => "helm",
        }
    }
}

/// A notification target.
#[derive(Deserialize, JsonSchema)]
#[serde(rename = "notification", deny_unknown_fields)]
pub(crate) struct NotificationDoc {
    pub name: String,
    pub kind: NotificationKind,
    /// Environment variable holding the webhook URL (the URL is a secret).
    pub url_env: String,
    /// Outcomes that notify. Default `[success, failure]`.
    pub on: Option<Vec<NotifyOn>>,
}
