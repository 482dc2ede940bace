//! The seed's "Master Branch Push" trigger: a push to the default branch builds the repository
//! and publishes a development image as `latest` and `<version>.<timestamp>` to the dev
//! namespace, then notifies. Categories without a push trigger (backend core) never get here.
//! Master's version is the highest of its version file and the repository's version tags in
//! any spelling, as for the reflect step: a master whose 2.x line lives only in tags (no
//! version file, or one left behind) builds as 2.x.

use crate::fleet::{Event, Repo};
use crate::plan::command_steps::commands;
use crate::plan::planner::Planner;
use crate::plan::repo_run::RepoRun;
use crate::plan::step::Step;
use crate::plan::tagged_version::TaggedVersion;
use crate::version::Channel;

pub(crate) fn plan(planner: &mut Planner<'_>, repo: &Repo) -> Option<RepoRun> {
    let facts = planner.repo_facts(repo);
    let newest_tag = TaggedVersion::newest(&TaggedVersion::all(&repo.tag_template, &facts.tags));
    let master = match (facts.master_version, newest_tag) {
        (Some(file), Some(tagged)) => file.max(tagged.version),
        (Some(file), None) => file,
        (None, Some(tagged)) => tagged.version,
        (None, None) => {
            planner.refuse(
                Some(&repo.name),
                format!(
                    "{} on {} holds no version, and no tag names one",
                    repo.version_file, repo.default_branch
                ),
                Some(format!(
                    "commit a version such as v0.1.0 to {}, or tag a release",
                    repo.version_file
                )),
            );
            return None;
        }
    };
    let build = format!("{master}.{}", planner.facts.timestamp);
    let mut steps = commands(repo, Event::Push);
    if let Some(image) = &repo.image {
        steps.push(Step::PublishImage {
            registry: image.registry.clone().into(),
            name: image.dev_name.clone(),
            tags: vec!["latest".into(), build.as_str().into()],
            context: image.context.clone(),
            builder: image.builder.clone(),
        });
    }
    steps.push(Step::Notify {
        channel: Some(Channel::Dev),
    });
    Some(RepoRun {
        repo: repo.name.clone(),
        category: repo.category.clone(),
        wave: 0,
        event: Event::Push,
        version: build,
        channel: Channel::Dev,
        depends_on: Vec::new(),
        already_tagged: false,
        source: repo.default_branch.clone(),
        steps,
    })
}
