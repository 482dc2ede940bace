//! A version about to be tagged in one repository, as the remote already knows it: shared by
//! every flow that tags (release branch, tag, dev, hotfix).

use crate::fleet::{Event, Repo};
use crate::name::{BranchName, TagName};
use crate::plan::facts::RepoFacts;
use crate::plan::repo_run::RepoRun;
use crate::plan::step::Step;
use crate::plan::tagged_version::TaggedVersion;
use crate::version::Version;

pub(crate) struct Tagging {
    pub version: Version,
    /// The release branch of the version's line.
    pub branch: BranchName,
    /// The tag as this manifest spells it, or the remote's own spelling of the same version.
    pub tag: TagName,
    pub already_tagged: bool,
    /// Every tag of the repository that names a version, in any spelling
    /// ([`Version::from_any_tag`]), with that version.
    pub released: Vec<(String, Version)>,
    /// The highest of them: master's version is never lower.
    pub newest: Option<TaggedVersion>,
    /// The versions already tagged on the version's `x.y.z` line.
    pub line_tags: Vec<Version>,
    pub facts: RepoFacts,
}

impl Tagging {
    pub fn resolve(repo: &Repo, version: Version, facts: RepoFacts) -> Self {
        let branch = BranchName::new(version.render_branch(&repo.branch_template));
        // Every tag of the repository that names a version, read once, in every spelling the
        // platform's histories hold (`1.12.0` beside `v1.12.1`, `v1.13`, `2.0.dev249`).
        let tagged = TaggedVersion::all(&repo.tag_template, &facts.tags);
        let newest = TaggedVersion::newest(&tagged);
        let released: Vec<(String, Version)> =
            tagged.into_iter().map(|t| (t.tag, t.version)).collect();
        // The original workflows tagged `v1.2.0-rc1` (REFERENCE.md §A, tags seen in the wild)
        // where flotilla writes `v1.2.0rc1`: a
        // version is released once, whatever its tag looks like.
        let rendered = version.render_tag(&repo.tag_template);
        let tag = TagName::new(if facts.tags.contains(&rendered) {
            rendered
        } else {
            released
                .iter()
                .find(|(_, v)| *v == version)
                .map_or(rendered, |(t, _)| t.clone())
        });
        let already_tagged = facts.tags.contains(tag.as_str());
        let line_tags = released
            .iter()
            .map(|(_, v)| *v)
            .filter(|v| v.same_line(&version))
            .collect();
        Self {
            version,
            branch,
            tag,
            already_tagged,
            released,
            newest,
            line_tags,
            facts,
        }
    }

    /// Where a run that does not cut the branch starts: the tag when it exists (the steps only
    /// verify it), else the release branch.
    pub fn tag_or_branch(&self) -> String {
        if self.already_tagged {
            format!("refs/tags/{}", self.tag)
        } else {
            self.branch.to_string()
        }
    }

    /// The repository's run of this version, before ordering puts it in a wave.
    pub fn run(&self, repo: &Repo, event: Event, source: String, steps: Vec<Step>) -> RepoRun {
        RepoRun {
            repo: repo.name.clone(),
            category: repo.category.clone(),
            wave: 0,
            event,
            version: self.version.to_string(),
            channel: self.version.channel(),
            depends_on: Vec::new(),
            already_tagged: self.already_tagged,
            source,
            steps,
        }
    }
}
