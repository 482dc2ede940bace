//! The seed's "Reflect Branch Update" trigger: after a tag, the version file on the default
//! branch takes the released version, but only when it is newer than the version there (the
//! original overwrote it unconditionally: REFERENCE.md §A, reflect to master). Master's version
//! is the highest of its version file and the repository's version tags in any spelling, so a
//! master whose 2.x line lives only in tags is not set back by a 1.x hotfix. It runs as the
//! tag flow's last git step, for categories whose triggers include `reflect`; the engine checks
//! the default branch again when it executes the step.

use crate::fleet::{Event, Repo};
use crate::plan::step::Step;
use crate::plan::tagging::Tagging;
use crate::plan::version_edits::version_edits;

/// The reflect step of a tagged release, if the repository's category reflects.
pub(crate) fn step(repo: &Repo, t: &Tagging, version_content: &str) -> Option<Step> {
    repo.handles(Event::Reflect).then(|| {
        let (content, edits) = version_edits(repo, t.version, version_content);
        Step::Reflect {
            branch: repo.default_branch.clone().into(),
            file: repo.version_file.clone(),
            content,
            edits,
            version: t.version,
            master_version: t.facts.master_version,
            newest_tag: t.newest.clone().filter(|n| {
                n.version > t.version && t.facts.master_version.is_none_or(|m| n.version > m)
            }),
            message: format!("[CI/CD] reflect version {}", t.tag),
        }
    })
}
