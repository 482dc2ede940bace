//! The files of a repository that carry its version, each in its own format, and the text edits
//! that write a release's version into them without touching anything else.

mod edit_field;
mod text_edit;
mod version_edit;
mod version_edit_error;
mod version_file_format;

use serde::Serialize;

pub use edit_field::EditField;
pub use version_edit::VersionEdit;
pub use version_edit_error::VersionEditError;
pub use version_file_format::VersionFileFormat;

use crate::Template;
use crate::version::{HotfixSemver, RenderError, Version};

/// A file of the repository that a release writes its version into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionFile {
    /// Relative to the repository's root.
    pub path: String,
    pub format: VersionFileFormat,
}

impl VersionFile {
    /// The edits that write `version` into this file: one per field. `template` is the
    /// repository's version-file template, for a canonical file without its own.
    pub fn edits(
        &self,
        version: Version,
        template: &Template,
        hotfix: Option<HotfixSemver>,
    ) -> Result<Vec<VersionEdit>, RenderError> {
        let edit = |field: EditField, value: String| VersionEdit {
            path: self.path.clone(),
            field,
            value,
        };
        Ok(match &self.format {
            VersionFileFormat::Canonical { template: own } => vec![edit(
                EditField::Whole,
                version.render_tag(own.as_ref().unwrap_or(template)),
            )],
            VersionFileFormat::Pep440 => vec![edit(EditField::Whole, version.pep440())],
            VersionFileFormat::Semver => vec![edit(EditField::Whole, version.semver(hotfix)?)],
            VersionFileFormat::PackageJson => {
                vec![edit(EditField::PackageJson, version.semver(hotfix)?)]
            }
            VersionFileFormat::ChartYaml {
                version: with_version,
                app_version,
            } => {
                let mut edits = Vec::new();
                if *with_version {
                    edits.push(edit(
                        EditField::ChartYaml {
                            key: "version".into(),
                        },
                        version.semver(hotfix)?,
                    ));
                }
                if *app_version {
                    edits.push(edit(
                        EditField::ChartYaml {
                            key: "appVersion".into(),
                        },
                        version.docker_tag(),
                    ));
                }
                edits
            }
            VersionFileFormat::Python => vec![edit(EditField::Python, version.pep440())],
            VersionFileFormat::Pyproject => vec![edit(EditField::Pyproject, version.pep440())],
        })
    }
}
