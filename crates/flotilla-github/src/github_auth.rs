use crate::app_key::AppKey;
use crate::github_error::GithubError;
use crate::secret::Secret;

/// Whom the client acts as: a token (personal, fine-grained, or an Actions `GITHUB_TOKEN`), or
/// a GitHub App installation, whose tokens the client obtains with the App's JWT and renews
/// before they expire.
#[derive(Debug, Clone)]
pub enum GithubAuth {
    Token(Secret),
    App {
        app_id: u64,
        installation_id: u64,
        key: AppKey,
    },
}

impl GithubAuth {
    /// The token held by the environment variable `var`.
    pub fn token_from_env(var: &str) -> Result<Self, GithubError> {
        match std::env::var(var) {
            Ok(token) if !token.trim().is_empty() => Ok(Self::Token(Secret::new(token.trim()))),
            _ => Err(GithubError::MissingToken {
                var: var.to_owned(),
            }),
        }
    }

    pub fn app(app_id: u64, installation_id: u64, key: AppKey) -> Self {
        Self::App {
            app_id,
            installation_id,
            key,
        }
    }
}
