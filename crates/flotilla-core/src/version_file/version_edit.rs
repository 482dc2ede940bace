use serde::{Deserialize, Serialize};

use super::edit_field::EditField;
use super::text_edit;
use super::version_edit_error::VersionEditError;

/// One value written into one place of one file: part of a set-version or reflect step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionEdit {
    pub path: String,
    #[serde(flatten)]
    pub field: EditField,
    pub value: String,
}

impl VersionEdit {
    /// The file's new text: `existing` with only the version's bytes changed (a whole-file
    /// version replaces the file).
    pub fn apply(&self, existing: Option<&str>) -> Result<String, VersionEditError> {
        let no_field = || VersionEditError::NoField {
            path: self.path.clone(),
            field: self.field.describe(),
        };
        let text = match (&self.field, existing) {
            (EditField::Whole, _) => return Ok(format!("{}\n", self.value)),
            (_, Some(text)) => text,
            (field, None) => {
                return Err(VersionEditError::Missing {
                    path: self.path.clone(),
                    field: field.describe(),
                });
            }
        };
        let span = match &self.field {
            EditField::Whole => None,
            EditField::PackageJson => text_edit::json_version(text),
            EditField::ChartYaml { key } => text_edit::yaml_key(text, key),
            EditField::Python => text_edit::python_version(text),
            EditField::Pyproject => match text_edit::pyproject_version(text) {
                Ok(span) => span,
                Err(()) => {
                    return Err(VersionEditError::Dynamic {
                        path: self.path.clone(),
                    });
                }
            },
        };
        let span = span.ok_or_else(no_field)?;
        let mut out = String::with_capacity(text.len() + self.value.len());
        out.push_str(&text[..span.start]);
        out.push_str(&self.value);
        out.push_str(&text[span.end..]);
        Ok(out)
    }
}
