//! The version files' contents for a release: shared by the tag and reflect flows.

use crate::fleet::Repo;
use crate::version::Version;
use crate::version_file::{EditField, VersionEdit};

/// The content of `version_file` and the edits of every other version file for `version`.
/// The version file's own entry may give it another rendering than the template.
pub(crate) fn version_edits(
    repo: &Repo,
    version: Version,
    version_content: &str,
) -> (String, Vec<VersionEdit>) {
    let mut content = format!("{version_content}\n");
    let mut edits = Vec::new();
    for file in &repo.version_files {
        // A hotfix without a SemVer spelling was refused before planning got here.
        let Ok(file_edits) = file.edits(version, &repo.version_file_template, repo.hotfix_semver)
        else {
            continue;
        };
        for edit in file_edits {
            if edit.path == repo.version_file && edit.field == EditField::Whole {
                content = format!("{}\n", edit.value);
            } else {
                edits.push(edit);
            }
        }
    }
    (content, edits)
}
