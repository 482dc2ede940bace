//! The GitOps write-back when someone else pushes to the deploy repository meanwhile: the
//! refused push is made again on top of their commit, and both changes are kept.

use flotilla_store::{DeploymentStatus, EventStatus};

use crate::deploy_fleet::{deployed_values, digest, service_with_deploy_repo, values};
use crate::support::engine;

#[tokio::test(flavor = "multi_thread")]
async fn a_deploy_push_refused_because_the_branch_moved_is_retried_on_top_of_the_new_commit() {
    let sandbox = service_with_deploy_repo();
    // Someone's change, committed in a clone of their own, ready to push.
    let other = sandbox.outside("someone");
    let deploy = sandbox.remote("deploy").display().to_string();
    sandbox.git(
        sandbox.root(),
        &["clone", "--quiet", &deploy, &other.display().to_string()],
    );
    std::fs::write(
        other.join("values/stg.yaml"),
        values("0.1.0").replace("replicas: 2", "replicas: 3"),
    )
    .unwrap();
    sandbox.git(
        &other,
        &["commit", "--quiet", "--all", "-m", "Scale identity in stg"],
    );
    // The first push to arrive meets a branch that moved under it: the hook pushes that change
    // first (outside the push's quarantine) and refuses the one that arrived.
    let mark = sandbox.outside("moved");
    let hook = sandbox.remote("deploy").join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\n\
             if [ ! -f '{mark}' ]; then\n  \
               touch '{mark}'\n  \
               unset GIT_DIR GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES\n  \
               git -C '{other}' push --quiet origin master >&2 || exit 2\n  \
               exit 1\n\
             fi\n",
            mark = mark.display(),
            other = other.display()
        ),
    )
    .unwrap();
    set_executable(&hook);
    let engine = engine(&sandbox, flotilla_engine::progress::silent()).await;

    let outcome = engine
        .deploy_image("fleet/identity", "1.0.0", &digest('a'), "test")
        .await
        .unwrap();

    assert_eq!(outcome.status, EventStatus::Processed, "{}", outcome.detail);
    assert!(mark.exists(), "the first push met the moved branch");
    let [id] = outcome.deployments.as_slice() else {
        panic!("one deployment: {:?}", outcome.deployments)
    };
    let deployment = engine.workspace().store.deployment(id).await.unwrap();
    assert_eq!(
        deployment.status,
        DeploymentStatus::Succeeded,
        "{deployment:?}"
    );
    assert_eq!(
        deployed_values(&sandbox),
        values("1.0.0").replace("replicas: 2", "replicas: 3"),
        "the version is written and the other change kept"
    );
    let subjects = sandbox.subjects("deploy", "master");
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert_eq!(subjects[1..], ["Scale identity in stg", "Deploy values"]);
}

fn set_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
