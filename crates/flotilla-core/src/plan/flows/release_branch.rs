//! The seed's "Create Release Branch" trigger (`release start x.y.z`): cut the line's release
//! branch from the default branch, strip what does not stay on release branches, then continue
//! with the tag flow for `x.y.zrc1`. Idempotent: a line whose first tag exists is not cut
//! again, and a branch shared by a line's patch releases (`release-{x}.{y}`) is continued.

use crate::fleet::{Event, Repo};
use crate::plan::flows::tag::tagged_run;
use crate::plan::planner::Planner;
use crate::plan::repo_run::RepoRun;
use crate::plan::step::Step;
use crate::plan::tag_checks;
use crate::plan::tagging::Tagging;
use crate::version::Version;

/// `rc1` is the line's first release candidate.
pub(crate) fn plan(planner: &mut Planner<'_>, repo: &Repo, rc1: Version) -> Option<RepoRun> {
    let t = Tagging::resolve(repo, rc1, planner.repo_facts(repo));
    // A branch name without `{z}` (plugins' `release-{x}.{y}`) is shared by the patch
    // releases of its line: once an earlier patch was released from it, `release start
    // x.y.z` continues that branch instead of cutting it from the default branch again.
    let continues_branch = !t.already_tagged
        && t.facts.branches.contains(t.branch.as_str())
        && t.released.iter().any(|(_, v)| {
            (v.major, v.minor) == (rc1.major, rc1.minor)
                && v.patch < rc1.patch
                && t.branch == v.render_branch(&repo.branch_template)
        });
    // A line whose first tag exists was cut already: there is nothing to create again.
    let cuts_branch = !t.already_tagged && !continues_branch;
    let before = planner.refusal_count();
    if cuts_branch && t.facts.diverged_branches.contains(t.branch.as_str()) {
        let branch = &t.branch;
        planner.refuse(
            Some(&repo.name),
            format!(
                "release branch {branch} already exists and has commits that {} does not have",
                repo.default_branch
            ),
            Some(format!(
                "continue the line with `flotilla release tag`, or delete {branch} if it was \
                 cut by mistake"
            )),
        );
    }
    tag_checks::not_before_final(planner, repo, &t);
    tag_checks::not_older_than_tagged(planner, repo, &t);
    let semver = tag_checks::semver(planner, repo, rc1);
    if planner.refusal_count() > before {
        return None;
    }
    let mut steps = Vec::new();
    if cuts_branch {
        steps.push(Step::CreateBranch {
            branch: t.branch.clone(),
            from: repo.default_branch.clone().into(),
            tag: t.tag.clone(),
        });
        if !repo.strip_paths.is_empty() {
            steps.push(Step::StripPaths {
                branch: t.branch.clone(),
                paths: repo.strip_paths.clone(),
                message: "[CI/CD] remove CI from the release branch".to_owned(),
            });
        }
    }
    let source = if cuts_branch {
        repo.default_branch.clone()
    } else {
        t.tag_or_branch()
    };
    Some(tagged_run(
        repo,
        &t,
        steps,
        semver.as_deref(),
        false,
        Event::ReleaseBranch,
        source,
    ))
}
