/// Why a version could not be written into a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionEditError {
    #[error("{path} does not exist; its format needs {field} to be there already")]
    Missing { path: String, field: String },
    #[error("{path} has no {field}")]
    NoField { path: String, field: String },
    #[error(
        "{path} declares its version dynamic (`dynamic = [\"version\"]`), so there is no static `version` to write"
    )]
    Dynamic { path: String },
}

impl VersionEditError {
    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            Self::Missing { path, .. } => {
                format!("commit {path} to the repository, or remove it from `version_files`")
            }
            Self::NoField { path, field } => {
                format!("add {field} to {path}, or change its `format` in `version_files`")
            }
            Self::Dynamic { path } => {
                format!("remove {path} from `version_files`: its build backend sets the version")
            }
        }
    }
}
