//! A blocking client of GitHub's REST API for what flotilla does with GitHub Actions: dispatch a
//! release workflow, find the run it started by the correlation id in its name, follow it with
//! conditional requests to completion, read its jobs' logs, cancel it. Authenticates with a
//! token or as a GitHub App installation (RS256 JWT, installation tokens renewed before they
//! expire); honours GitHub's primary and secondary rate limits and retries 5xx and lost
//! connections. Credentials never appear in errors or `Debug` output.

mod app_key;
mod conclusion;
mod github_auth;
mod github_client;
mod github_config;
mod github_error;
mod github_repo;
mod installation_tokens;
mod job;
mod reply;
mod run_nudges;
mod run_status;
mod secret;
mod transport;
mod workflow_run;

pub use app_key::AppKey;
pub use conclusion::Conclusion;
pub use flotilla_core::RetryPolicy;
pub use github_auth::GithubAuth;
pub use github_client::GithubClient;
pub use github_config::GithubConfig;
pub use github_error::GithubError;
pub use github_repo::GithubRepo;
pub use job::Job;
pub use run_nudges::nudge;
pub use run_status::RunStatus;
pub use secret::Secret;
pub use workflow_run::WorkflowRun;
