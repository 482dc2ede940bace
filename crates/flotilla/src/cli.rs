//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use flotilla_core::plan::Request;
use flotilla_core::{HotfixSemver, Version};
use flotilla_server::ServeConfig;

use crate::color_choice::ColorChoice;
use crate::log_format::LogFormat;

/// flotilla: release orchestrator and CI/CD control plane for fleets of git repositories.
///
/// A fleet is described by a manifest (flotilla.yaml). flotilla plans and runs releases across
/// it: release branches, tags, version files, images, Python and npm packages, charts and
/// notifications, in dependency order.
#[derive(Debug, Parser)]
#[command(name = "flotilla", version, max_term_width = 100)]
pub struct Cli {
    /// The fleet manifest.
    #[arg(
        short = 'f',
        long = "manifest",
        global = true,
        env = "FLOTILLA_MANIFEST",
        default_value = "flotilla.yaml"
    )]
    pub manifest: PathBuf,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// More log output on stderr (-v info, -vv debug); FLOTILLA_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to write ANSI escapes (colors, progress bars): auto writes them only to a terminal,
    /// and never with NO_COLOR set or TERM=dumb.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// How log events are written to stderr: text lines, or one JSON object per line (for
    /// `serve` and long runs read by log shippers).
    #[arg(
        long,
        global = true,
        value_enum,
        env = "FLOTILLA_LOG_FORMAT",
        default_value_t = LogFormat::Text,
        value_name = "FORMAT"
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, render, compare and step versions of the scheme (x.y.zdevN, x.y.zrcN, x.y.z,
    /// x.y.z.N).
    #[command(subcommand)]
    Version(VersionCommand),
    /// Validate the manifest and report every error with its file:line:column.
    Check,
    /// Print the JSON Schema of the manifest, for editors.
    Schema,
    /// Write a commented starter manifest to ./flotilla.yaml.
    Init(InitArgs),
    /// Write a manifest for existing repositories: read each one (tags, release branches,
    /// setup.py, pyproject.toml, package.json, Chart.yaml, Dockerfile, version files,
    /// workflows) and guess categories, artifacts, spellings and dependencies, listing what
    /// it could not decide.
    Import(ImportArgs),
    /// Show what a request would do, wave by wave, without doing it.
    Plan(PlanArgs),
    /// Run release trains across the fleet, and inspect, resume or retry them.
    #[command(subcommand)]
    Release(ReleaseCommand),
    /// Run the master-push flow of one repository: build and publish its dev image.
    Push {
        /// Repository name.
        repo: String,
    },
    /// Per repository: master version, newest tag and published artifacts.
    Status,
    /// Show the captured output of a run's steps (secrets redacted).
    Logs {
        /// Run id (or a unique prefix), as shown by `flotilla release status`.
        run: String,
        /// Only this step (its number or kind, e.g. 3 or run).
        step: Option<String>,
    },
    /// Receive git and registry webhooks, run the flows they start and deploy new images.
    Serve(ServeArgs),
    /// Git hooks that report pushes to `flotilla serve`.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Continuous deployment: what runs where, approvals, history, rollback.
    #[command(subcommand)]
    Deploy(DeployCommand),
    /// Tokens people and programs sign in with, each with a role (viewer, releaser, approver,
    /// admin): create (shown once, stored hashed), list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit log: every state-changing action, who did it and when, newest first.
    Audit {
        /// At most this many entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Where what runs came from: a service's deployment in an environment (or an image
    /// digest) → the artifacts with its digest → the version tag → the commit → the train and
    /// run that published it, with the approvals on the way. A digest no flotilla run
    /// published is marked "not published by flotilla".
    Trace {
        /// A service (repository) with --env, or an image digest (sha256:…).
        target: String,
        /// The environment whose current deployment of the service to trace.
        #[arg(long)]
        env: Option<String>,
    },
    /// GitHub Actions workflows rendered per category from templates: print them, compare them
    /// with each repository's default branch, commit them where they drifted.
    #[command(subcommand)]
    Workflows(WorkflowsCommand),
    /// Build a sample fleet of local repositories and run the main job end to end: master
    /// pushes, a release train with rc1, an rc2, the final, a hotfix.
    Demo(DemoArgs),
    /// Print a shell completion script to stdout (see the README for where to put it).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages, one per command (flotilla.1, flotilla-release-start.1, …).
    Man {
        /// Directory to write them into (created if missing).
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
    /// What a release workflow's job runs on a CI runner for `executor: github-actions`.
    #[command(subcommand)]
    Runner(RunnerCommand),
}

#[derive(Debug, Subcommand)]
pub enum RunnerCommand {
    /// In a checkout of the release tag: execute the named build and publish steps of a
    /// repository's release, as the orchestrator planned them, printing their logs (exit 1 on
    /// the first failure). Nothing is pushed.
    RunSteps(RunStepsArgs),
}

#[derive(Debug, Args)]
pub struct RunStepsArgs {
    /// Repository name in the manifest.
    #[arg(long)]
    pub repo: String,
    /// The version released (e.g. 1.0.0rc1).
    #[arg(long)]
    pub version: String,
    /// Comma-separated steps: command names and publish kinds (publish-image, publish-python,
    /// publish-npm, publish-chart).
    #[arg(long, value_delimiter = ',', required = true)]
    pub steps: Vec<String>,
    /// The train this run belongs to (shown in the log).
    #[arg(long)]
    pub train: Option<String>,
    /// The orchestrator's run id (shown in the log).
    #[arg(long)]
    pub run: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum WorkflowsCommand {
    /// Print the workflow files flotilla renders (or write them under --out DIR/<repo>/).
    Render {
        /// Only this repository (repeatable).
        #[arg(long = "repo")]
        repos: Vec<String>,
        /// Write the files to DIR/<repository>/.github/workflows/ instead of printing them.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Compare every repository's .github/workflows on its default branch with the rendering:
    /// missing, changed (with a unified diff) and unexpected files. Exit 1 on drift.
    Check {
        /// Only this repository (repeatable).
        #[arg(long = "repo")]
        repos: Vec<String>,
        /// Repositories read at once.
        #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        jobs: u32,
    },
    /// Commit the rendering to the default branch of every repository that drifted: one commit
    /// each, pushed only while the branch is where it was read. Running it again completes an
    /// interrupted sync and commits nothing where the workflows are in line.
    Sync {
        /// Only this repository (repeatable).
        #[arg(long = "repo")]
        repos: Vec<String>,
        /// Repositories synced at once.
        #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        jobs: u32,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to create the sample fleet.
    #[arg(default_value = "flotilla-demo")]
    pub dir: PathBuf,
    /// Publish images and charts to this OCI registry instead of a local image layout
    /// (e.g. http://127.0.0.1:5000, started by scripts/services/start.sh).
    #[arg(long, value_name = "URL")]
    pub oci: Option<String>,
    /// Upload Python packages to this PyPI server (e.g. http://127.0.0.1:8081).
    #[arg(long, value_name = "URL")]
    pub pypi: Option<String>,
    /// Publish npm packages to this registry (e.g. http://127.0.0.1:4873).
    #[arg(long, value_name = "URL")]
    pub npm: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write a post-receive hook into a bare repository that posts its pushes to `flotilla
    /// serve`, signed with the secret in --secret-env.
    Install {
        /// Path of the bare repository.
        repo_path: PathBuf,
        /// The server's base URL, e.g. http://127.0.0.1:8080.
        #[arg(long)]
        url: String,
        /// The repository's name in the manifest (default: the directory name without .git).
        #[arg(long)]
        repo: Option<String>,
        /// Environment variable holding the signing secret (the server's --hook-secret-env).
        #[arg(long, default_value = "FLOTILLA_HOOK_SECRET")]
        secret_env: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeployCommand {
    /// What runs where: service × environment.
    Status,
    /// Every deployment of a service, newest first.
    History {
        /// The service (repository).
        service: String,
        /// Only this environment, as named in the manifest.
        #[arg(long = "env")]
        environment: Option<String>,
        /// At most this many deployments.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Deployments waiting for an approval.
    Pending,
    /// Approve a pending deployment and carry it out.
    Approve {
        /// The deployment id (or a unique prefix), as shown by `flotilla deploy pending`.
        id: String,
        /// Who approves (default: $USER).
        #[arg(long)]
        by: Option<String>,
    },
    /// Reject a pending deployment.
    Reject {
        /// The deployment id (or a unique prefix), as shown by `flotilla deploy pending`.
        id: String,
        /// Who rejects (default: $USER).
        #[arg(long)]
        by: Option<String>,
    },
    /// Deploy again the version that ran before the current one.
    ///
    /// "Before" is the order in which deployments succeeded, like `helm rollback` without a
    /// revision: after 1.0.0, 1.0.1 it deploys 1.0.0; a second rollback then deploys 1.0.1
    /// again (it undoes the first). No approval is asked: the rollback is the approval.
    Rollback {
        /// The service (repository) to roll back.
        service: String,
        /// The environment, as named in the manifest.
        #[arg(long = "env")]
        environment: String,
        /// Who asks, for the history (default: $USER).
        #[arg(long)]
        by: Option<String>,
    },
    /// Treat IMAGE:TAG as just pushed (for registries that cannot notify, and for scripts).
    Image {
        /// The image reference, e.g. spaceone/identity:1.0.0.
        reference: String,
        /// The image's digest (sha256:…), when known.
        #[arg(long, default_value = "")]
        digest: String,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Environment variable with the HMAC secret of /hooks/git.
    #[arg(long, default_value = "FLOTILLA_HOOK_SECRET")]
    pub hook_secret_env: String,
    /// Environment variable with the bearer token of /hooks/registry.
    #[arg(long, default_value = "FLOTILLA_REGISTRY_TOKEN")]
    pub registry_token_env: String,
    /// Environment variable with the bearer token of /api/v1.
    #[arg(long, default_value = "FLOTILLA_API_TOKEN")]
    pub api_token_env: String,
    /// Also poll the image registries' tag lists every N seconds (with ETag), for registries
    /// that cannot send notifications; 0 turns polling off.
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    pub poll_interval: u64,
    /// Largest webhook body accepted; larger ones get 413 (GitHub sends up to 25 MB).
    #[arg(long, default_value_t = ServeConfig::DEFAULT_BODY_LIMIT, value_name = "BYTES")]
    pub body_limit: usize,
    /// Time a client has to send a request's line and headers, counted from the connection's
    /// opening or the first byte after an idle time.
    #[arg(long, default_value_t = ServeConfig::DEFAULT_HEADER_TIMEOUT.as_secs(), value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Time a client has to send a whole request body, however slowly it trickles in (408).
    #[arg(long, default_value_t = ServeConfig::DEFAULT_BODY_TIMEOUT.as_secs(), value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: u64,
    /// Time a kept-alive connection may wait for its next request before it is closed.
    #[arg(long, default_value_t = ServeConfig::DEFAULT_IDLE_TIMEOUT.as_secs(), value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// Connections open at once at most; beyond it the oldest idle one is closed to make room.
    /// Keep it well under the file limit (`ulimit -n`): the store, git and builds need files.
    #[arg(long, default_value_t = ServeConfig::DEFAULT_MAX_CONNECTIONS, value_name = "N")]
    pub max_connections: usize,
    /// How long the digest of each verified delivery body is kept: the same body again within
    /// it is acknowledged as a duplicate and not acted on, whatever its delivery id header.
    #[arg(long, default_value_t = ServeConfig::DEFAULT_REPLAY_WINDOW.as_secs(), value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub replay_window: u64,
    /// Browsers reach the server over TLS (a proxy terminates it): session cookies are Secure.
    #[arg(long)]
    pub behind_tls: bool,
    /// Session cookies are Secure when the request says X-Forwarded-Proto: https. Only when a
    /// proxy alone can reach the server: anyone else could send the header.
    #[arg(long)]
    pub trust_forwarded_proto: bool,
    /// Take the signed-in user's name from this header, set by a trusted reverse proxy
    /// (oauth2-proxy style), e.g. X-Forwarded-User. Off by default; only when the proxy alone
    /// can reach the server: anyone else could send the header.
    #[arg(long, value_name = "HEADER")]
    pub trusted_proxy_header: Option<String>,
    /// The role of users known by --trusted-proxy-header.
    #[arg(long, default_value = "viewer", value_parser = ["viewer", "releaser", "approver", "admin"])]
    pub proxy_user_role: String,
    /// How long a browser stays signed in.
    #[arg(long, default_value_t = flotilla_server::AuthConfig::DEFAULT_SESSION_TTL.as_secs(), value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(60..))]
    pub session_ttl: u64,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once and only its SHA-256 is stored.
    Create {
        /// Who uses it: recorded on their approvals and in the audit log.
        #[arg(long)]
        name: String,
        /// viewer (reads), releaser (also retries, resumes, cancels trains), approver (also
        /// approves, rejects, rolls back deployments), admin (also manages tokens).
        #[arg(long, value_parser = ["viewer", "releaser", "approver", "admin"])]
        role: String,
    },
    /// Every token, live and revoked (never their text).
    List,
    /// Stop accepting the live token NAME and end its sessions.
    Revoke {
        /// The token's name.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    #[command(flatten)]
    Request(ReleaseRequest),
    /// Per repository of a train: state, last step and error.
    Status {
        /// Train id or unique prefix; the latest train when omitted.
        train: Option<String>,
    },
    /// Finish an unfinished train, doing nothing twice.
    Resume {
        /// Train id or unique prefix; the latest train when omitted.
        train: Option<String>,
    },
    /// Stop a train, whichever process drives it, on this machine or another: the request goes
    /// through the state database and the driver stops the train within about a second, as
    /// Ctrl-C would (its running steps stop, its workflow runs in flight on GitHub Actions are
    /// cancelled); a train nobody drives is marked cancelled. `resume` continues it later.
    Cancel {
        /// Train id or unique prefix; the latest train when omitted.
        train: Option<String>,
    },
    /// Run one repository of a train again.
    Retry {
        /// Train id or unique prefix.
        train: String,
        /// The repository to run again.
        #[arg(long)]
        repo: String,
    },
    /// The recent trains.
    List {
        /// At most this many trains.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum VersionCommand {
    /// Every rendering of a version: canonical, Docker tag, git tag, PEP 440, SemVer, branch.
    Render(RenderArgs),
    /// Compare two versions: prints <, = or >.
    Compare {
        /// The first version.
        a: String,
        /// The second version.
        b: String,
    },
    /// The next version of a kind after V.
    Next {
        /// Which kind of version comes next.
        kind: NextKind,
        /// The version to step from.
        version: String,
    },
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The version to render, e.g. 1.2.0rc1.
    pub version: String,
    /// Git tag and version-file template.
    #[arg(long, default_value = "v{canonical}")]
    pub tag_template: String,
    /// Release branch template.
    #[arg(long, default_value = "release-{x}.{y}.{z}")]
    pub branch_template: String,
    /// How a hotfix is spelled in SemVer (no default: SemVer has no order-preserving form).
    #[arg(long, value_enum)]
    pub hotfix_semver: Option<HotfixSemverArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HotfixSemverArg {
    PatchBump,
    BuildMetadata,
}

impl From<HotfixSemverArg> for HotfixSemver {
    fn from(value: HotfixSemverArg) -> Self {
        match value {
            HotfixSemverArg::PatchBump => Self::PatchBump,
            HotfixSemverArg::BuildMetadata => Self::BuildMetadata,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NextKind {
    Rc,
    Dev,
    Final,
    Hotfix,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Write a full example instead of the small starter.
    #[arg(long, value_enum)]
    pub example: Option<Example>,
    /// Overwrite an existing manifest.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Git URLs or local paths of the repositories (relative paths from the current
    /// directory).
    pub remotes: Vec<String>,
    /// Also read remotes from FILE, one per line (blank lines and `#` comments skipped).
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    /// Where to write the manifest. Default: the -f manifest (flotilla.yaml).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite an existing manifest.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Example {
    /// Every repository of the SpaceONE platform, in its category.
    Spaceone,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Plan without reading the repositories' remotes: assume no branches or tags exist yet.
    #[arg(long, global = true)]
    pub offline: bool,
    /// Facts about the repositories as JSON (master_version, branches, tags per repository),
    /// instead of reading the remotes.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "offline")]
    pub facts: Option<PathBuf>,
    /// Show every step with its values, not only the highlights.
    #[arg(long, global = true)]
    pub steps: bool,
    #[command(subcommand)]
    pub request: RequestCommand,
}

/// A fleet operation.
#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Release operations.
    #[command(subcommand)]
    Release(ReleaseRequest),
    /// A push to a repository's default branch: build and publish its dev image.
    Push {
        /// Repository name.
        repo: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReleaseRequest {
    /// Cut release-X.Y.Z everywhere and tag X.Y.Zrc1.
    Start {
        /// The line, x.y.z.
        line: String,
        /// Only these repositories (repeatable).
        #[arg(long = "repo")]
        repos: Vec<String>,
    },
    /// Tag a version: rcN, final, hotfix, or devN on core libraries.
    Tag {
        /// The version to tag: x.y.zrcN, x.y.z, x.y.z.N or x.y.zdevN.
        version: String,
        /// Only these repositories (repeatable).
        #[arg(long = "repo")]
        repos: Vec<String>,
        /// Publish the artifacts of an already tagged version again.
        #[arg(long)]
        republish: bool,
    },
    /// Tag the final X.Y.Z on every release branch of the line.
    Final {
        /// The line, x.y.z.
        line: String,
        /// Only these repositories (repeatable).
        #[arg(long = "repo")]
        repos: Vec<String>,
    },
    /// Tag the hotfix X.Y.Z.N on release-X.Y.Z of the named repositories.
    Hotfix {
        /// The hotfix version, x.y.z.N.
        version: String,
        /// The repositories to hotfix (repeatable, at least one).
        #[arg(long = "repo", required = true)]
        repos: Vec<String>,
    },
}

impl RequestCommand {
    /// The core's request, or the version parse error.
    pub fn to_request(&self) -> Result<Request, flotilla_core::VersionError> {
        Ok(match self {
            Self::Push { repo } => Request::Push { repo: repo.clone() },
            Self::Release(release) => release.to_request()?,
        })
    }
}

impl ReleaseRequest {
    pub fn to_request(&self) -> Result<Request, flotilla_core::VersionError> {
        Ok(match self {
            Self::Start { line, repos } => Request::ReleaseStart {
                line: Version::parse(line)?,
                repos: repos.clone(),
            },
            Self::Tag {
                version,
                repos,
                republish,
            } => Request::ReleaseTag {
                version: Version::parse(version)?,
                repos: repos.clone(),
                republish: *republish,
            },
            Self::Final { line, repos } => Request::ReleaseFinal {
                line: Version::parse(line)?,
                repos: repos.clone(),
            },
            Self::Hotfix { version, repos } => Request::ReleaseHotfix {
                version: Version::parse(version)?,
                repos: repos.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every argument of every command, as `command path: argument`, that has no help text.
    fn without_help(command: &clap::Command, path: &str, found: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                found.push(format!("{path}: {id}"));
            }
        }
        for sub in command.get_subcommands() {
            without_help(sub, &format!("{path} {}", sub.get_name()), found);
        }
    }

    #[test]
    fn every_argument_and_option_has_help() {
        let mut command = Cli::command();
        command.build();
        let mut found = Vec::new();
        without_help(&command, "flotilla", &mut found);
        assert!(
            found.is_empty(),
            "arguments without help:\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
