use std::path::PathBuf;

use flotilla_core::Help;
use flotilla_core::deploy::{HelmArgError, YamlEditError};
use flotilla_git::{GitError, RefNameError};

/// Why a deployer could not apply a deployment. The text is stored with the failed deployment
/// (redacted, with its help) and shown by `flotilla deploy history` and the API, so each says
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("{version} is not a deployable version")]
    NotDeployable { version: String },
    #[error(transparent)]
    Branch(#[from] RefNameError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("could not {action} {path}: {source}", path = path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {file} in the deploy repository {url}: {source}")]
    ReadValues {
        file: String,
        url: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {source}")]
    EditValues {
        file: String,
        #[source]
        source: Box<YamlEditError>,
    },
    /// Others kept pushing to the deploy branch between our fetch and our push.
    #[error(
        "the deploy repository's {branch} kept moving; gave up after {attempts} attempts: {last_error}"
    )]
    BranchKeptMoving {
        branch: String,
        attempts: u32,
        last_error: String,
    },
    /// The deploy repository refused the push for a reason other than a race (a hook, the
    /// permissions, a failed unpack): trying again at once cannot help. `reason` is git's.
    #[error("the deploy repository {url} refused the push to {branch}: {reason}")]
    PushRefused {
        branch: String,
        url: String,
        reason: String,
    },
    #[error(transparent)]
    HelmArguments(#[from] HelmArgError),
    #[error("empty helm command")]
    EmptyHelmCommand,
    #[error("cannot run {program}: {source}")]
    HelmNotRunnable {
        program: String,
        #[source]
        source: std::io::Error,
    },
    /// helm ran and failed; the outcome is helm's exit as core classifies it, as JSON.
    #[error("helm: {outcome}")]
    HelmFailed { outcome: String },
}

impl Help for DeployError {
    fn help(&self) -> Option<String> {
        match self {
            Self::PushRefused { .. } => Some(
                "fix what the deploy repository says above (its hooks, permissions or disk); \
                 `flotilla release resume` then deploys again (or `flotilla deploy image`)"
                    .to_owned(),
            ),
            Self::HelmNotRunnable { .. } => {
                Some("install helm, or deploy this environment by GitOps".to_owned())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_helm_keeps_its_help_in_the_stored_text() {
        let err = DeployError::HelmNotRunnable {
            program: "helm".to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not found"),
        };
        assert_eq!(err.to_string(), "cannot run helm: not found");
        assert_eq!(
            err.with_help(),
            "cannot run helm: not found\n  help: install helm, or deploy this environment by GitOps"
        );
        assert_eq!(DeployError::EmptyHelmCommand.help(), None);
    }
}
