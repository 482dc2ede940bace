use flotilla_core::Help;
use flotilla_core::workflows::WorkflowError;
use flotilla_git::GitError;

/// Why a repository's workflows could not be checked or synced.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowSyncError {
    #[error(transparent)]
    Render(#[from] WorkflowError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("`{repo}` has no branch `{branch}` (its default branch in the manifest)")]
    NoDefaultBranch { repo: String, branch: String },
    #[error("{path} on `{branch}` of `{repo}` is not UTF-8 text")]
    NotText {
        repo: String,
        branch: String,
        path: String,
    },
    #[error(
        "`{branch}` of `{repo}` kept moving while flotilla pushed its workflows ({tries} tries)"
    )]
    KeptMoving {
        repo: String,
        branch: String,
        tries: u32,
    },
}

impl Help for WorkflowSyncError {
    fn help(&self) -> Option<String> {
        match self {
            Self::Render(err) => err.help(),
            Self::Git(_) => Some(
                "check that the remote is reachable and accepts pushes to the default branch, \
                 then run `flotilla workflows sync` again: repositories already in sync are \
                 left alone"
                    .to_owned(),
            ),
            Self::NoDefaultBranch { .. } => Some(
                "push the default branch first, or set `default_branch` of the repository in \
                 the manifest"
                    .to_owned(),
            ),
            Self::NotText { .. } => {
                Some("workflow files are YAML text: fix or remove that file by hand".to_owned())
            }
            Self::KeptMoving { .. } => {
                Some("run `flotilla workflows sync` again when pushes to it calm down".to_owned())
            }
        }
    }
}
