//! A deployment waiting for approval gives way to a newer version only: an older version that
//! arrives later neither replaces it nor makes it un-approvable.

use flotilla_store::DeploymentStatus;
use flotilla_testkit::Fleet;

use crate::deploy_fleet::{digest, values};
use crate::support::engine;

const PRD: &str = "environments:
  - name: prd
    channels: [final]
    approval: true
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/prd.yaml}";

#[tokio::test(flavor = "multi_thread")]
async fn an_older_version_arriving_later_does_not_supersede_the_pending_newer_one() {
    let sandbox = Fleet::new()
        .setting("image_namespace: fleet")
        .section(PRD)
        .repo("identity", "plugin")
        .build();
    sandbox.create_remote(
        "deploy",
        [("values/prd.yaml", values("0.1.0").as_str())],
        "Deploy values",
    );
    let engine = engine(&sandbox, flotilla_engine::progress::silent()).await;
    let store = &engine.workspace().store;
    let newer = engine
        .deploy_image("fleet/identity", "1.1.0", &digest('b'), "registry event 01")
        .await
        .unwrap();
    let [newer_id] = newer.deployments.as_slice() else {
        panic!("one deployment: {newer:?}")
    };

    let older = engine
        .deploy_image("fleet/identity", "1.0.0", &digest('a'), "registry event 02")
        .await
        .unwrap();

    assert!(older.deployments.is_empty(), "{older:?}");
    assert!(
        older.detail.contains("1.1.0 is waiting"),
        "{}",
        older.detail
    );
    let pending = store.pending_deployments().await.unwrap();
    let versions: Vec<&str> = pending.iter().map(|d| d.version.as_str()).collect();
    assert_eq!(versions, ["1.1.0"]);
    let approved = engine.approve(newer_id, "alice").await.unwrap();
    assert_eq!(approved.status, DeploymentStatus::Succeeded, "{approved:?}");
    assert_eq!(
        sandbox.show("deploy", "master", "values/prd.yaml").unwrap(),
        values("1.1.0")
    );

    // A newer one still supersedes what waits.
    engine
        .deploy_image("fleet/identity", "1.2.0", &digest('c'), "registry event 03")
        .await
        .unwrap();
    engine
        .deploy_image("fleet/identity", "1.3.0", &digest('d'), "registry event 04")
        .await
        .unwrap();
    let pending = store.pending_deployments().await.unwrap();
    let versions: Vec<&str> = pending.iter().map(|d| d.version.as_str()).collect();
    assert_eq!(versions, ["1.3.0"]);
}
