use flotilla_store::{Deployment, DeploymentStatus, Id, NewDeployment, StoreError};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use crate::support::{at, deployed, for_each_backend, new_deployment};

fn expiring(mut deployment: NewDeployment, expires_at: Timestamp) -> NewDeployment {
    deployment.expires_at = Some(expires_at);
    deployment
}

fn assert_invalid(error: &StoreError, expected_from: &str, expected_to: &str) {
    assert!(
        matches!(
            error,
            StoreError::InvalidTransition { entity: "deployment", from, to, .. }
                if *from == expected_from && *to == expected_to
        ),
        "expected {expected_from} -> {expected_to} refused, got {error}"
    );
}

fn versions(deployments: &[Deployment]) -> Vec<&str> {
    deployments.iter().map(|d| d.version.as_str()).collect()
}

#[tokio::test]
async fn a_deployment_without_approval_goes_from_approved_to_succeeded() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let request = new_deployment("identity", "dev", "1.12.0-dev.3+abc1234", false);

        let created = store.create_deployment(&request).await.unwrap();
        assert_eq!(created.status, DeploymentStatus::Approved);
        assert_eq!(
            (created.decided_by.as_deref(), created.decided_at),
            (None, None),
            "approved by policy, not by someone"
        );
        assert_eq!(
            (
                created.service.as_str(),
                created.environment.as_str(),
                created.version.as_str(),
                created.image.as_str(),
                created.digest.as_str(),
                created.trigger.as_str(),
                created.requested_by.as_str(),
            ),
            (
                "identity",
                "dev",
                "1.12.0-dev.3+abc1234",
                "registry.example.com/spaceone/identity",
                "sha256:1.12.0-dev.3+abc1234",
                "registry push event 01HXYZ",
                "alice",
            )
        );

        let started = store.deployment_started(&created.id).await.unwrap();
        assert_eq!(started.status, DeploymentStatus::Running);
        assert!(started.started_at.is_some());
        assert_eq!(started.finished_at, None);
        let detail = json!({ "commit": "0a1b2c", "values_file": "values/dev.yaml" });
        let finished = store
            .deployment_finished(
                &created.id,
                DeploymentStatus::Succeeded,
                None,
                Some(&detail),
            )
            .await
            .unwrap();

        assert_eq!(finished.status, DeploymentStatus::Succeeded);
        assert_eq!(finished.detail, Some(detail));
        assert!(finished.finished_at >= finished.started_at);
        assert_eq!(
            store.deployment(created.id.as_str()).await.unwrap(),
            finished
        );
        assert_eq!(
            store.current_deployment("identity", "dev").await.unwrap(),
            Some(finished)
        );
        let again = store.deployment_started(&created.id).await.unwrap_err();
        assert_invalid(&again, "succeeded", "running");
    })
    .await;
}

#[tokio::test]
async fn a_deployment_ends_only_from_running_and_only_in_an_end_status() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let created = store
            .create_deployment(&new_deployment("identity", "dev", "1.12.0", false))
            .await
            .unwrap();

        let early = store
            .deployment_finished(&created.id, DeploymentStatus::Succeeded, None, None)
            .await
            .unwrap_err();
        assert_invalid(&early, "approved", "succeeded");
        store.deployment_started(&created.id).await.unwrap();
        let sideways = store
            .deployment_finished(&created.id, DeploymentStatus::Approved, None, None)
            .await
            .unwrap_err();
        assert_invalid(&sideways, "running", "approved");

        let failed = store
            .deployment_finished(
                &created.id,
                DeploymentStatus::Failed,
                Some("helm exited with 1"),
                None,
            )
            .await
            .unwrap();
        assert_eq!(failed.status, DeploymentStatus::Failed);
        assert_eq!(failed.error.as_deref(), Some("helm exited with 1"));
        assert_eq!(failed.detail, None);
        assert_eq!(
            store.current_deployment("identity", "dev").await.unwrap(),
            None,
            "a failed deployment is not what runs"
        );
        let missing = store.deployment_started(&Id::generate()).await.unwrap_err();
        assert!(
            matches!(
                missing,
                StoreError::NotFound {
                    entity: "deployment",
                    ..
                }
            ),
            "{missing}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_protected_deployment_waits_for_approval() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let created = store
            .create_deployment(&expiring(
                new_deployment("identity", "prd", "1.12.0", true),
                at(SignedDuration::from_hours(1)),
            ))
            .await
            .unwrap();
        assert_eq!(created.status, DeploymentStatus::Pending);
        assert_eq!(
            store.pending_deployments().await.unwrap(),
            std::slice::from_ref(&created)
        );
        let unapproved = store.deployment_started(&created.id).await.unwrap_err();
        assert_invalid(&unapproved, "pending", "running");

        let approved = store
            .decide_deployment(&created.id, true, "bob")
            .await
            .unwrap();

        assert_eq!(approved.status, DeploymentStatus::Approved);
        assert_eq!(approved.decided_by.as_deref(), Some("bob"));
        assert!(approved.decided_at.is_some());
        assert_eq!(approved.finished_at, None);
        assert_eq!(approved.expires_at, created.expires_at);
        assert!(store.pending_deployments().await.unwrap().is_empty());
        let twice = store
            .decide_deployment(&created.id, false, "carol")
            .await
            .unwrap_err();
        assert_invalid(&twice, "approved", "rejected");
        let started = store.deployment_started(&created.id).await.unwrap();
        assert_eq!(started.decided_by.as_deref(), Some("bob"));
    })
    .await;
}

#[tokio::test]
async fn a_rejected_deployment_is_final() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let created = store
            .create_deployment(&new_deployment("identity", "prd", "1.12.0", true))
            .await
            .unwrap();

        let rejected = store
            .decide_deployment(&created.id, false, "bob")
            .await
            .unwrap();

        assert_eq!(rejected.status, DeploymentStatus::Rejected);
        assert_eq!(rejected.decided_by.as_deref(), Some("bob"));
        assert!(rejected.finished_at.is_some());
        assert!(store.pending_deployments().await.unwrap().is_empty());
        let start = store.deployment_started(&created.id).await.unwrap_err();
        assert_invalid(&start, "rejected", "running");
        let approve = store
            .decide_deployment(&created.id, true, "carol")
            .await
            .unwrap_err();
        assert_invalid(&approve, "rejected", "approved");
    })
    .await;
}

#[tokio::test]
async fn an_expired_deployment_can_no_longer_be_decided() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let expires_at = at(SignedDuration::from_secs(-1));
        let created = store
            .create_deployment(&expiring(
                new_deployment("identity", "prd", "1.12.0", true),
                expires_at,
            ))
            .await
            .unwrap();

        let error = store
            .decide_deployment(&created.id, true, "bob")
            .await
            .unwrap_err();

        match &error {
            StoreError::DeploymentExpired {
                id,
                expires_at: reported,
            } => {
                assert_eq!(*id, created.id);
                assert_eq!(*reported, expires_at);
            }
            other => panic!("expected an expired deployment, got {other}"),
        }
        assert!(error.to_string().contains(created.id.as_str()));
        let stored = store.deployment(created.id.as_str()).await.unwrap();
        assert_eq!(
            stored.status,
            DeploymentStatus::Expired,
            "the expiry is kept"
        );
        assert_eq!(stored.decided_by, None);
        assert!(stored.finished_at.is_some());
        let again = store
            .decide_deployment(&created.id, false, "bob")
            .await
            .unwrap_err();
        assert_invalid(&again, "expired", "rejected");
        assert!(
            store
                .expire_pending(Timestamp::now())
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn expire_pending_marks_what_has_expired_once() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let deadline = at(SignedDuration::from_hours(1));
        let later = at(SignedDuration::from_hours(2));
        let create = |request: NewDeployment| {
            let store = store.clone();
            async move { store.create_deployment(&request).await.unwrap() }
        };
        let due = create(expiring(
            new_deployment("identity", "prd", "1.12.0", true),
            deadline,
        ))
        .await;
        let not_yet = create(expiring(
            new_deployment("inventory", "prd", "2.0.0", true),
            later,
        ))
        .await;
        let forever = create(new_deployment("config", "prd", "3.0.0", true)).await;
        let approved = create(expiring(
            new_deployment("plugin", "prd", "4.0.0", false),
            deadline,
        ))
        .await;
        let also_due = create(expiring(
            new_deployment("notification", "prd", "5.0.0", true),
            at(SignedDuration::from_mins(30)),
        ))
        .await;

        // The boundary is inclusive: at its expiry, a deployment has expired.
        let expired = store.expire_pending(deadline).await.unwrap();

        assert_eq!(
            expired.iter().map(|d| &d.id).collect::<Vec<_>>(),
            [&due.id, &also_due.id],
            "oldest first"
        );
        assert!(
            expired
                .iter()
                .all(|d| d.status == DeploymentStatus::Expired && d.finished_at.is_some())
        );
        assert!(store.expire_pending(deadline).await.unwrap().is_empty());
        assert_eq!(
            store.pending_deployments().await.unwrap(),
            [not_yet.clone(), forever.clone()]
        );
        assert_eq!(
            store.deployment(approved.id.as_str()).await.unwrap(),
            approved,
            "only pending deployments expire"
        );
        let expired = store.expire_pending(later).await.unwrap();
        assert_eq!(
            expired.iter().map(|d| &d.id).collect::<Vec<_>>(),
            [&not_yet.id]
        );
        assert_eq!(store.pending_deployments().await.unwrap(), [forever]);
    })
    .await;
}

#[tokio::test]
async fn a_newer_deployment_supersedes_older_ones_that_have_not_started() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let create = |request: NewDeployment| {
            let store = store.clone();
            async move { store.create_deployment(&request).await.unwrap() }
        };
        let waiting = create(new_deployment("identity", "stg", "1.12.0-rc.1", true)).await;
        let queued = create(new_deployment("identity", "stg", "1.12.0-rc.2", false)).await;
        let running = create(new_deployment("identity", "stg", "1.12.0-rc.3", false)).await;
        store.deployment_started(&running.id).await.unwrap();
        let done = deployed(
            &*store,
            "identity",
            "stg",
            "1.12.0-rc.4",
            DeploymentStatus::Succeeded,
        )
        .await;
        let other_environment = create(new_deployment("identity", "prd", "1.11.0", true)).await;
        let other_service = create(new_deployment("inventory", "stg", "2.0.0-rc.1", true)).await;
        let newest = create(new_deployment("identity", "stg", "1.12.0-rc.5", false)).await;
        let after = create(new_deployment("identity", "stg", "1.12.0-rc.6", true)).await;

        let superseded = store
            .supersede_pending("identity", "stg", &newest.id)
            .await
            .unwrap();

        assert_eq!(superseded, 2);
        for old in [&waiting, &queued] {
            let stored = store.deployment(old.id.as_str()).await.unwrap();
            assert_eq!(
                stored.status,
                DeploymentStatus::Superseded,
                "{}",
                old.version
            );
            assert!(stored.finished_at.is_some());
        }
        let status = |deployment: &Deployment| {
            let store = store.clone();
            let id = deployment.id.clone();
            async move { store.deployment(id.as_str()).await.unwrap().status }
        };
        assert_eq!(status(&running).await, DeploymentStatus::Running);
        assert_eq!(status(&done).await, DeploymentStatus::Succeeded);
        assert_eq!(status(&other_environment).await, DeploymentStatus::Pending);
        assert_eq!(status(&other_service).await, DeploymentStatus::Pending);
        assert_eq!(status(&newest).await, DeploymentStatus::Approved);
        assert_eq!(
            status(&after).await,
            DeploymentStatus::Pending,
            "a newer one is not superseded by an older one"
        );
        let start = store.deployment_started(&queued.id).await.unwrap_err();
        assert_invalid(&start, "superseded", "running");
        assert_eq!(
            store
                .supersede_pending("identity", "stg", &newest.id)
                .await
                .unwrap(),
            0
        );
        let missing = store
            .supersede_pending("identity", "stg", &Id::generate())
            .await
            .unwrap_err();
        assert!(
            matches!(
                missing,
                StoreError::NotFound {
                    entity: "deployment",
                    ..
                }
            ),
            "{missing}"
        );
    })
    .await;
}

#[tokio::test]
async fn rollback_targets_the_last_other_version_that_succeeded() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let succeeded = DeploymentStatus::Succeeded;
        assert_eq!(
            store.previous_successful("identity", "prd").await.unwrap(),
            None
        );
        let v1 = deployed(&*store, "identity", "prd", "1.10.0", succeeded).await;
        assert_eq!(
            store.previous_successful("identity", "prd").await.unwrap(),
            None,
            "nothing to roll back to"
        );
        deployed(&*store, "identity", "prd", "1.11.0", succeeded).await;
        let v2 = deployed(&*store, "identity", "prd", "1.11.1", succeeded).await;
        let v3 = deployed(&*store, "identity", "prd", "1.12.0", succeeded).await;
        deployed(
            &*store,
            "identity",
            "prd",
            "1.13.0",
            DeploymentStatus::Failed,
        )
        .await;
        deployed(&*store, "identity", "stg", "1.13.0-rc.1", succeeded).await;

        let current = store.current_deployment("identity", "prd").await.unwrap();
        let previous = store.previous_successful("identity", "prd").await.unwrap();
        assert_eq!(current.as_ref(), Some(&v3));
        assert_eq!(previous.as_ref(), Some(&v2));

        // Re-deploying the current version does not make it its own rollback target.
        let v3_again = deployed(&*store, "identity", "prd", "1.12.0", succeeded).await;
        assert_eq!(
            store.current_deployment("identity", "prd").await.unwrap(),
            Some(v3_again.clone())
        );
        assert_eq!(
            store.previous_successful("identity", "prd").await.unwrap(),
            Some(v2.clone())
        );

        // Rolling back is a new deployment of v2; rolling back again returns to v3.
        let mut request = new_deployment("identity", "prd", &v2.version, false);
        request.trigger = "rollback by alice".to_owned();
        let rollback = store.create_deployment(&request).await.unwrap();
        store.deployment_started(&rollback.id).await.unwrap();
        let rollback = store
            .deployment_finished(&rollback.id, succeeded, None, None)
            .await
            .unwrap();

        assert_eq!(
            store.current_deployment("identity", "prd").await.unwrap(),
            Some(rollback)
        );
        assert_eq!(
            store.previous_successful("identity", "prd").await.unwrap(),
            Some(v3_again),
            "the last deployment before the rollback with another version"
        );
        assert_ne!(
            store.previous_successful("identity", "prd").await.unwrap(),
            Some(v1)
        );
        assert_eq!(
            store.current_deployment("identity", "dev").await.unwrap(),
            None
        );
        assert_eq!(
            store.previous_successful("identity", "stg").await.unwrap(),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn history_lists_every_deployment_newest_first() {
    for_each_backend(async |state| {
        let store = state.open().await;
        deployed(
            &*store,
            "identity",
            "dev",
            "1.12.0-dev.1",
            DeploymentStatus::Succeeded,
        )
        .await;
        deployed(
            &*store,
            "identity",
            "stg",
            "1.12.0-rc.1",
            DeploymentStatus::Failed,
        )
        .await;
        let pending = store
            .create_deployment(&new_deployment("identity", "prd", "1.12.0", true))
            .await
            .unwrap();
        store
            .decide_deployment(&pending.id, false, "bob")
            .await
            .unwrap();
        store
            .create_deployment(&new_deployment("identity", "dev", "1.12.0-dev.2", false))
            .await
            .unwrap();
        deployed(
            &*store,
            "inventory",
            "dev",
            "2.0.0-dev.1",
            DeploymentStatus::Succeeded,
        )
        .await;

        let all = store
            .deployment_history("identity", None, 10)
            .await
            .unwrap();
        let dev = store
            .deployment_history("identity", Some("dev"), 10)
            .await
            .unwrap();
        let limited = store.deployment_history("identity", None, 2).await.unwrap();

        assert_eq!(
            versions(&all),
            ["1.12.0-dev.2", "1.12.0", "1.12.0-rc.1", "1.12.0-dev.1"]
        );
        assert_eq!(
            all.iter().map(|d| d.status).collect::<Vec<_>>(),
            [
                DeploymentStatus::Approved,
                DeploymentStatus::Rejected,
                DeploymentStatus::Failed,
                DeploymentStatus::Succeeded,
            ]
        );
        assert_eq!(versions(&dev), ["1.12.0-dev.2", "1.12.0-dev.1"]);
        assert_eq!(versions(&limited), ["1.12.0-dev.2", "1.12.0"]);
        assert!(
            store
                .deployment_history("absent", None, 10)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn the_matrix_shows_what_runs_where() {
    for_each_backend(async |state| {
        let store = state.open().await;
        assert!(store.deployment_matrix().await.unwrap().is_empty());
        let succeeded = DeploymentStatus::Succeeded;
        deployed(&*store, "inventory", "prd", "2.0.0", succeeded).await;
        deployed(&*store, "identity", "dev", "1.12.0-dev.1", succeeded).await;
        let identity_dev = deployed(&*store, "identity", "dev", "1.12.0-dev.2", succeeded).await;
        let identity_stg = deployed(&*store, "identity", "stg", "1.12.0-rc.1", succeeded).await;
        deployed(
            &*store,
            "identity",
            "stg",
            "1.12.0-rc.2",
            DeploymentStatus::Failed,
        )
        .await;
        let inventory_prd = store.current_deployment("inventory", "prd").await.unwrap();
        store
            .create_deployment(&new_deployment("inventory", "dev", "2.1.0-dev.1", true))
            .await
            .unwrap();

        let matrix = store.deployment_matrix().await.unwrap();

        assert_eq!(
            matrix,
            [identity_dev, identity_stg, inventory_prd.unwrap()],
            "by service then environment, without pairs where nothing succeeded"
        );
    })
    .await;
}

#[tokio::test]
async fn the_journal_of_changes_names_each_pair_that_changed_and_what_a_pair_shows() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let start = store.deployment_changes(None).await.unwrap();
        assert_eq!((start.head, start.artifacts, start.pairs), (0, 0, None));
        assert_eq!(
            store.deployment_changes(Some(0)).await.unwrap().pairs,
            Some(vec![])
        );

        let running = deployed(
            &*store,
            "identity",
            "prd",
            "1.0.0",
            DeploymentStatus::Succeeded,
        )
        .await;
        let after_first = store.deployment_changes(Some(0)).await.unwrap();
        // Created, started, finished: three changes of one pair.
        assert_eq!(after_first.head, 3);
        assert_eq!(
            after_first.pairs,
            Some(vec![("identity".to_owned(), "prd".to_owned())])
        );
        let waiting = store
            .create_deployment(&new_deployment("identity", "prd", "1.0.1", true))
            .await
            .unwrap();
        deployed(
            &*store,
            "inventory",
            "dev",
            "2.0.0",
            DeploymentStatus::Failed,
        )
        .await;
        let mut pairs = store
            .deployment_changes(Some(after_first.head))
            .await
            .unwrap()
            .pairs
            .unwrap();
        pairs.sort();
        assert_eq!(
            pairs,
            [
                ("identity".to_owned(), "prd".to_owned()),
                ("inventory".to_owned(), "dev".to_owned())
            ]
        );
        // Nothing since the head; a head the journal never had is "read everything".
        let head = store.deployment_changes(None).await.unwrap().head;
        assert_eq!(head, 7);
        assert_eq!(
            store.deployment_changes(Some(head)).await.unwrap().pairs,
            Some(vec![])
        );
        assert_eq!(
            store
                .deployment_changes(Some(head + 5))
                .await
                .unwrap()
                .pairs,
            None
        );

        let pair = store.pair_deployments("identity", "prd").await.unwrap();
        assert_eq!(pair.current, Some(running));
        assert_eq!(pair.latest.as_ref(), Some(&waiting));
        assert_eq!(pair.pending, [waiting]);
        let inventory = store.pair_deployments("inventory", "dev").await.unwrap();
        assert_eq!(inventory.current, None, "nothing succeeded there");
        assert_eq!(
            inventory.latest.map(|d| d.status),
            Some(DeploymentStatus::Failed)
        );
        let nothing = store.pair_deployments("config", "prd").await.unwrap();
        assert!(
            nothing.current.is_none() && nothing.latest.is_none() && nothing.pending.is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn the_journal_keeps_its_newest_ten_thousand_changes() {
    for_each_backend(async |state| {
        let store = state.open().await;
        // 10,002 creations, each a change: the first two fall out of the journal.
        for _ in 0..10_002 {
            store
                .create_deployment(&new_deployment("identity", "dev", "1.0.1", true))
                .await
                .unwrap();
        }
        let changes = store.deployment_changes(Some(0)).await.unwrap();
        assert_eq!(changes.head, 10_002);
        assert_eq!(changes.pairs, None, "the reader at 0 must read everything");
        let recent = store
            .deployment_changes(Some(changes.head - 9_999))
            .await
            .unwrap();
        assert_eq!(
            recent.pairs,
            Some(vec![("identity".to_owned(), "dev".to_owned())])
        );
    })
    .await;
}

#[tokio::test]
async fn deployments_are_found_by_id_or_unique_prefix() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let first = store
            .create_deployment(&new_deployment("identity", "dev", "1.12.0", false))
            .await
            .unwrap();
        let second = store
            .create_deployment(&new_deployment("identity", "dev", "1.12.1", false))
            .await
            .unwrap();

        let lowercase = second.id.as_str().to_ascii_lowercase();
        assert_eq!(store.deployment(&lowercase).await.unwrap(), second);
        let shared = first
            .id
            .as_str()
            .bytes()
            .zip(second.id.as_str().bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let prefix = &first.id.as_str()[..=shared];
        assert_eq!(store.deployment(prefix).await.unwrap().id, first.id);

        let ambiguous = store.deployment("0").await.unwrap_err();
        match &ambiguous {
            StoreError::AmbiguousPrefix {
                entity, candidates, ..
            } => {
                assert_eq!(*entity, "deployment");
                assert_eq!(*candidates, [first.id.clone(), second.id.clone()]);
            }
            other => panic!("expected an ambiguous prefix, got {other}"),
        }
        assert!(ambiguous.to_string().contains("several deployments"));
        for missing in ["Z", "", "0_", "not-an-id"] {
            let error = store.deployment(missing).await.unwrap_err();
            assert!(
                matches!(
                    error,
                    StoreError::NotFound {
                        entity: "deployment",
                        ..
                    }
                ),
                "{missing}: {error}"
            );
            assert!(error.to_string().contains("deploy history"), "{error}");
        }
    })
    .await;
}

#[tokio::test]
async fn unfinished_and_latest_deployments_include_those_a_crash_left_running() {
    for_each_backend(async |state| {
        let store = state.open().await;
        deployed(
            &*store,
            "identity",
            "stg",
            "1.0.0",
            DeploymentStatus::Succeeded,
        )
        .await;
        let running = store
            .create_deployment(&new_deployment("identity", "stg", "1.1.0", false))
            .await
            .unwrap();
        store.deployment_started(&running.id).await.unwrap();
        let approved = store
            .create_deployment(&new_deployment("inventory", "stg", "2.0.0", false))
            .await
            .unwrap();
        store
            .create_deployment(&new_deployment("inventory", "prd", "1.9.0", true))
            .await
            .unwrap();

        let unfinished = store.unfinished_deployments().await.unwrap();
        assert_eq!(versions(&unfinished), ["1.1.0", "2.0.0"]);
        assert_eq!(unfinished[1].id, approved.id);
        let latest = store.latest_deployments().await.unwrap();
        let pairs: Vec<(&str, &str, &str, DeploymentStatus)> = latest
            .iter()
            .map(|d| {
                (
                    d.service.as_str(),
                    d.environment.as_str(),
                    d.version.as_str(),
                    d.status,
                )
            })
            .collect();
        assert_eq!(
            pairs,
            [
                ("identity", "stg", "1.1.0", DeploymentStatus::Running),
                ("inventory", "prd", "1.9.0", DeploymentStatus::Pending),
                ("inventory", "stg", "2.0.0", DeploymentStatus::Approved),
            ]
        );
        assert_eq!(
            versions(&store.deployment_matrix().await.unwrap()),
            ["1.0.0"],
            "what runs where is unchanged"
        );
    })
    .await;
}
