//! The seed's "Branch Tagging" trigger for hotfixes (`release hotfix x.y.z.N`, or `release tag`
//! of a hotfix version): a tag on the release branch of a line whose final is out, in the
//! named repositories, continuing as the tag flow does.

use crate::fleet::Repo;
use crate::plan::flows::tag::on_release_branch;
use crate::plan::planner::Planner;
use crate::plan::repo_run::RepoRun;
use crate::plan::tag_checks;
use crate::plan::tagging::Tagging;
use crate::version::{HotfixSemver, Version};

pub(crate) fn plan(
    planner: &mut Planner<'_>,
    repo: &Repo,
    version: Version,
    republish: bool,
) -> Option<RepoRun> {
    let t = Tagging::resolve(repo, version, planner.repo_facts(repo));
    let before = planner.refusal_count();
    tag_checks::branch_exists(planner, repo, &t);
    final_is_released(planner, repo, &t);
    tag_checks::not_older_than_tagged(planner, repo, &t);
    let semver = tag_checks::semver(planner, repo, version);
    npm_sees_a_new_version(planner, repo, version);
    if planner.refusal_count() > before {
        return None;
    }
    Some(on_release_branch(repo, &t, semver.as_deref(), republish))
}

/// A hotfix fixes a final: the line's final must be tagged.
fn final_is_released(planner: &mut Planner<'_>, repo: &Repo, t: &Tagging) {
    let version = t.version;
    let final_tag = version.final_of_line().render_tag(&repo.tag_template);
    // The final counts in any spelling (`1.12.0` as well as `v1.12.0`).
    if !t
        .released
        .iter()
        .any(|(_, v)| *v == version.final_of_line())
    {
        planner.refuse(
            Some(&repo.name),
            format!("hotfix {version} of a line that has no final ({final_tag} is not tagged)"),
            Some(format!(
                "release the final first: flotilla release final {}",
                version.final_of_line()
            )),
        );
    }
}

/// npm drops build metadata, so `x.y.z+hotfix.N` would republish `x.y.z`.
fn npm_sees_a_new_version(planner: &mut Planner<'_>, repo: &Repo, version: Version) {
    if repo.npm.is_some() && repo.hotfix_semver == Some(HotfixSemver::BuildMetadata) {
        planner.refuse(
            Some(&repo.name),
            format!(
                "{version} cannot be published to npm as build metadata: the registry would see {} again",
                version.final_of_line()
            ),
            Some("set `hotfix_semver: patch-bump` on the repository".into()),
        );
    }
}
