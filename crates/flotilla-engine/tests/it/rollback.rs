//! Rollback: the version that ran before the current one is deployed again, without approval,
//! and written back to the deploy repository.

use flotilla_store::DeploymentStatus;

use crate::deploy_fleet::{deployed_values, digest, service_with_deploy_repo, values};
use crate::support::engine;

#[tokio::test(flavor = "multi_thread")]
async fn a_rollback_deploys_the_previous_version_again() {
    let sandbox = service_with_deploy_repo();
    let engine = engine(&sandbox, flotilla_engine::progress::silent()).await;
    let store = &engine.workspace().store;

    let nothing_before = engine
        .rollback("identity", "stg", "tester")
        .await
        .unwrap_err();
    assert!(
        nothing_before
            .to_string()
            .contains("no earlier successful deployment"),
        "{nothing_before}"
    );
    assert_eq!(
        flotilla_core::Help::help(&nothing_before).as_deref(),
        Some("see `flotilla deploy history identity --env stg`")
    );
    for (tag, digit) in [("1.0.0", 'a'), ("1.0.1", 'b')] {
        engine
            .deploy_image("fleet/identity", tag, &digest(digit), "test")
            .await
            .unwrap();
    }
    assert_eq!(deployed_values(&sandbox), values("1.0.1"));

    let rolled_back = engine.rollback("identity", "stg", "tester").await.unwrap();

    assert_eq!(
        rolled_back.status,
        DeploymentStatus::Succeeded,
        "{rolled_back:?}"
    );
    assert_eq!(rolled_back.version, "1.0.0");
    assert_eq!(rolled_back.digest, digest('a'));
    assert_eq!(deployed_values(&sandbox), values("1.0.0"));
    let current = store
        .current_deployment("identity", "stg")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.id, rolled_back.id);
    assert_eq!(
        sandbox.subjects("deploy", "master").len(),
        4,
        "1.0.0, 1.0.1 and the rollback each committed once"
    );
    let unknown = engine
        .rollback("identity", "nowhere", "tester")
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("nowhere"), "{unknown}");
}
