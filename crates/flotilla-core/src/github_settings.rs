//! The fleet's `github:` section: how flotilla reaches the GitHub API that runs the release
//! workflows of repositories with `executor: github-actions`. Only names of secrets, never
//! their values.

use serde::Serialize;

/// GitHub's public API, the default `api_url` (GitHub Enterprise Server: `https://HOST/api/v3`).
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// The release workflow flotilla dispatches unless a category or repository names another.
pub const DEFAULT_RELEASE_WORKFLOW: &str = "flotilla-release.yml";
/// The token variable read when `auth` is left out.
pub const DEFAULT_TOKEN_ENV: &str = "GITHUB_TOKEN";
/// Seconds between two looks at a run in flight, unless the manifest says otherwise.
pub const DEFAULT_POLL_INTERVAL_SECS: u64 = 10;
/// Seconds a dispatched run has to appear before the dispatch counts as lost.
pub const DEFAULT_DISPATCH_TIMEOUT_SECS: u64 = 120;

/// The resolved `github:` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GithubSettings {
    /// REST API base URL, without a trailing slash.
    pub api_url: String,
    /// Whether `api_url` may be plain HTTP (a local test server).
    pub insecure: bool,
    /// The organisation or user owning the fleet's repositories (`owner/<repository name>` is
    /// a repository's default GitHub name).
    pub owner: String,
    pub auth: GithubAuth,
    /// The default release workflow file.
    pub release_workflow: String,
    pub poll_interval_secs: u64,
    pub dispatch_timeout_secs: u64,
}

impl GithubSettings {
    /// The environment variables holding its secrets.
    pub fn secret_env(&self) -> impl Iterator<Item = &str> {
        match &self.auth {
            GithubAuth::Token { env }
            | GithubAuth::App {
                private_key: GithubKey::Env(env),
                ..
            } => Some(env.as_str()),
            GithubAuth::App { .. } => None,
        }
        .into_iter()
    }
}

/// How flotilla authenticates to the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum GithubAuth {
    /// A token (personal, fine-grained or an installation's) in an environment variable.
    Token { env: String },
    /// A GitHub App installation: a JWT signed with the app's private key is exchanged for an
    /// installation token.
    App {
        app_id: u64,
        installation_id: u64,
        private_key: GithubKey,
    },
}

/// Where a GitHub App's private key (PEM) is read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GithubKey {
    /// An environment variable holding the PEM text.
    Env(String),
    /// A file, relative to the manifest's directory.
    File(String),
}
