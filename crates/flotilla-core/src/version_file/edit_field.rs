use serde::{Deserialize, Serialize};

/// Which part of a file a [`super::VersionEdit`] replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "kebab-case")]
pub enum EditField {
    /// The whole file becomes the value and a newline.
    Whole,
    /// The string value of the top-level `"version"` key of a JSON object.
    PackageJson,
    /// The value of a top-level YAML key (`version`, `appVersion`).
    ChartYaml { key: String },
    /// The string of a top-level `__version__ = "…"` assignment.
    Python,
    /// The string of `version = "…"` in the `[project]` table of a TOML file.
    Pyproject,
}

impl EditField {
    /// Whether the file must exist already: only a whole-file version may be created.
    pub fn needs_existing(&self) -> bool {
        !matches!(self, Self::Whole)
    }

    /// How the field is named in messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Whole => "the whole file".to_owned(),
            Self::PackageJson => "the top-level \"version\" field".to_owned(),
            Self::ChartYaml { key } => format!("the top-level `{key}:` key"),
            Self::Python => "a top-level `__version__ = \"…\"` line".to_owned(),
            Self::Pyproject => "a static `version = \"…\"` in `[project]`".to_owned(),
        }
    }
}
