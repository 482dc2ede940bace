use flotilla_core::Help;

/// What went wrong talking to GitHub. `request` is `METHOD url` without query; no variant ever
/// holds a token, a JWT or a private key.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// The API URL of the configuration is not an http(s) URL.
    #[error("invalid GitHub API URL `{url}`: {cause}")]
    ApiUrl { url: String, cause: String },
    /// The environment variable that should hold the token is unset or empty.
    #[error("no GitHub token: the environment variable `{var}` is unset or empty")]
    MissingToken { var: String },
    /// The GitHub App's private key could not be read or is not an RSA key.
    #[error("the GitHub App private key from {origin} is unusable: {cause}")]
    PrivateKey { origin: String, cause: String },
    /// 401: the credentials were refused.
    #[error("{request}: GitHub answered 401 Unauthorized ({message})")]
    Unauthorized {
        request: String,
        message: String,
        /// Whether the refused credential was the App's JWT (on the installation-token request).
        app_jwt: bool,
    },
    /// 404: the repository, the workflow, the run or the installation is not visible.
    #[error("{request}: GitHub answered 404 Not Found ({message})")]
    NotFound { request: String, message: String },
    /// Any other 4xx that another attempt would not change (403 without a rate limit, 422).
    #[error("{request}: GitHub answered {status} ({message})")]
    Rejected {
        request: String,
        status: u16,
        message: String,
    },
    /// The primary rate limit is spent and resets later than the configured longest wait.
    #[error(
        "{request}: the GitHub API rate limit is spent and resets in {reset_in_secs}s, longer than the {max_wait_secs}s flotilla waits"
    )]
    RateLimited {
        request: String,
        reset_in_secs: u64,
        max_wait_secs: u64,
    },
    /// Secondary rate limits kept answering after the configured number of waits.
    #[error(
        "{request}: GitHub's secondary rate limit still refused after {waits} waits ({message})"
    )]
    SecondaryRateLimited {
        request: String,
        waits: u32,
        message: String,
    },
    /// 5xx on every attempt.
    #[error("{request}: GitHub answered {status} on all {attempts} attempts ({message})")]
    Server {
        request: String,
        status: u16,
        attempts: u32,
        message: String,
    },
    /// No answer (connection refused or reset, timeout) on every attempt.
    #[error("{request}: no answer from GitHub after {attempts} attempts: {cause}")]
    Unreachable {
        request: String,
        attempts: u32,
        cause: String,
    },
    /// An answer that is not what the API describes (unreadable JSON, a redirect without a
    /// location).
    #[error("{request}: unexpected answer from GitHub: {cause}")]
    Response { request: String, cause: String },
}

impl Help for GithubError {
    fn help(&self) -> Option<String> {
        let text = match self {
            Self::ApiUrl { .. } => {
                "use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server"
            }
            Self::MissingToken { .. } => {
                "export the token (a fine-grained token with Actions read and write on the \
                 repositories, or a classic token with `repo` and `workflow`), or configure a \
                 GitHub App"
            }
            Self::PrivateKey { .. } => {
                "give the PEM file GitHub generated for the App (`-----BEGIN RSA PRIVATE KEY-----`, \
                 or a PKCS#8 `-----BEGIN PRIVATE KEY-----`)"
            }
            Self::Unauthorized { app_jwt: true, .. } => {
                "the App id or its private key is wrong, or this machine's clock is off by more \
                 than a minute (the JWT's iat and exp are checked against GitHub's clock)"
            }
            Self::Unauthorized { .. } => {
                "the token is invalid, expired or revoked: check the variable that holds it \
                 (or the App's installation)"
            }
            Self::NotFound { .. } => {
                "the token cannot see owner/repo, or the workflow file is not on the default \
                 branch (a dispatch needs the file there, with a `workflow_dispatch` trigger), or \
                 the App is not installed on the repository"
            }
            Self::Rejected { status: 422, .. } => {
                "GitHub refused the request's content: a dispatched workflow must declare every \
                 input sent under `workflow_dispatch.inputs`, and the ref must exist"
            }
            Self::Rejected { status: 403, .. } => {
                "the token lacks a permission: it needs Actions read and write on the repository \
                 (classic tokens: `repo` and `workflow`)"
            }
            Self::Rejected { .. } | Self::Response { .. } => return None,
            Self::RateLimited { .. } => {
                "wait for the reset, raise the longest rate-limit wait, or spread the work over a \
                 GitHub App installation (its budget grows with its repositories)"
            }
            Self::SecondaryRateLimited { .. } => {
                "fewer runs in flight (`max_parallel`) make fewer concurrent requests"
            }
            Self::Server { .. } | Self::Unreachable { .. } => {
                "GitHub (or the Enterprise server) is unavailable: `flotilla release resume` \
                 continues once it answers again; https://www.githubstatus.com tells about \
                 github.com"
            }
        };
        Some(text.to_owned())
    }
}
