//! Workflow sync's compare-and-swap: a default branch that moves between flotilla's read and
//! its push is never overwritten; the sync is redone on the new tip, with one commit.

use std::collections::BTreeMap;

use flotilla_core::workflows::{WorkflowDrift, WorkflowRenderer};
use flotilla_engine::Workspace;
use flotilla_engine::workflows::{RepoWorkflows, SYNC_SUBJECT, WorkflowFleet};
use flotilla_git::MirrorCache;
use flotilla_testkit::Fleet;

#[test]
fn a_branch_that_moved_after_the_read_refuses_the_push_and_the_sync_lands_on_its_new_tip() {
    let sandbox = Fleet::new().repo("identity", "backend").build();
    let text = std::fs::read_to_string(sandbox.manifest()).unwrap();
    let fleet = flotilla_core::manifest::load("flotilla.yaml", &text).unwrap();
    let repo = fleet.repo("identity").unwrap();
    let url = sandbox.remote("identity").display().to_string();
    let none = BTreeMap::new();
    let rendered = WorkflowRenderer::new(&fleet, &none).render(repo).unwrap();

    let cache = MirrorCache::new(Workspace::git_for(&fleet), sandbox.root().join("mirrors"));
    let mirror = cache.refresh("identity", &url).unwrap();
    let read = RepoWorkflows::read(&mirror, "identity", "master").unwrap();
    let drift = WorkflowDrift::compare("identity", &rendered, &read.files);
    assert_eq!(drift.files.len(), 3, "{drift:?}");
    let commit = read.commit(&mirror, &rendered, &drift).unwrap();

    // A developer pushes in between.
    let feature = sandbox.push_commit("identity", "master", &[("feature.txt", "x\n")], "a feature");
    assert!(
        !read.push(&mirror, &url, &commit).unwrap(),
        "the stale push is refused"
    );
    assert_eq!(
        sandbox.rev("identity", "master"),
        feature,
        "nothing overwritten"
    );

    let root = sandbox.root().to_path_buf();
    let workflows = WorkflowFleet::new(&fleet, &root, &none);
    let all = workflows.render(&[repo]).unwrap();
    let outcomes = workflows.sync(&all, &|_, _, _| {});
    assert!(outcomes[0].error.is_none(), "{outcomes:?}");
    assert!(outcomes[0].commit.is_some(), "{outcomes:?}");
    assert_eq!(sandbox.rev("identity", "master^"), feature);
    assert_eq!(sandbox.count_subject("identity", "master", SYNC_SUBJECT), 1);
    // The sync commit changes only the workflows.
    let changed = sandbox.remote_git("identity", &["diff", "--name-only", "master^", "master"]);
    assert_eq!(
        changed.lines().collect::<Vec<_>>(),
        [
            ".github/workflows/flotilla-dev.yml",
            ".github/workflows/flotilla-pr.yml",
            ".github/workflows/flotilla-release.yml"
        ]
    );
    let again = workflows.sync(&all, &|_, _, _| {});
    assert!(
        again[0].commit.is_none() && !again[0].drifted(),
        "{again:?}"
    );
}
