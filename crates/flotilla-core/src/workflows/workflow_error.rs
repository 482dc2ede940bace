use crate::help::Help;

/// Why workflows could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// A template that does not parse or fails while rendering.
    #[error("workflow template {template}: {message}")]
    Template { template: String, message: String },
    /// An override the caller did not read.
    #[error("workflow template {path} was not read")]
    MissingOverride { path: String },
    /// A rendering that is not YAML: the template is wrong.
    #[error(
        "workflow template {template} rendered {path} for `{repo}`, which is not YAML: {message}"
    )]
    NotYaml {
        template: String,
        path: String,
        repo: String,
        message: String,
    },
}

impl Help for WorkflowError {
    fn help(&self) -> Option<String> {
        Some(match self {
            Self::Template { .. } => "fix the template (Jinja syntax, as minijinja reads it); \
                GitHub expressions are written {{ gh(\"inputs.version\") }} or inside \
                {% raw %}…{% endraw %}"
                .to_owned(),
            Self::MissingOverride { path } => {
                format!("read {path} (relative to the manifest) before rendering")
            }
            Self::NotYaml { .. } => {
                "render it with `flotilla workflows render --repo NAME` to see the output, \
                 then fix the template's indentation or quoting"
                    .to_owned()
            }
        })
    }
}
