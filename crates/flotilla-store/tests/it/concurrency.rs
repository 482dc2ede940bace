//! Two handles on one file, as two processes would have: light contention must wait on
//! `SQLite`'s lock (busy timeout, immediate transactions), never fail with "database is locked".

use std::sync::Arc;
use std::time::Duration;

use flotilla_store::{
    ArtifactKind, DeploymentStatus, NewArtifact, NewEvent, NewStep, StepOutcome, StepStatus, Store,
    StoreError, TrainKind,
};
use serde_json::json;

use crate::support::{for_each_backend, new_deployment, new_train, run};

const TASKS_PER_HANDLE: usize = 8;

async fn work(store: Arc<dyn Store>, worker: String) -> Result<(), StoreError> {
    let own = run(&*store, None, &worker, 0).await;
    let steps: Vec<_> = (0..3)
        .map(|idx| NewStep {
            idx,
            kind: "run".to_owned(),
            description: format!("{worker} step {idx}"),
        })
        .collect();
    for step in store.add_steps(&own.id, &steps).await? {
        store
            .step_started(&step.id, None, Some(&json!({ "worker": worker })))
            .await?;
        store
            .step_finished(
                &step.id,
                &StepOutcome {
                    status: StepStatus::Succeeded,
                    exit_code: Some(0),
                    detail: None,
                },
            )
            .await?;
    }
    store
        .record_event(&NewEvent {
            source: "registry".to_owned(),
            delivery_id: worker.clone(),
            kind: "push".to_owned(),
            payload: json!({}),
            replay_key: None,
        })
        .await?;
    // Every worker publishes the same artifact: one record in the end.
    store
        .record_artifact(&NewArtifact {
            run_id: own.id.clone(),
            kind: ArtifactKind::Image,
            name: "shared".to_owned(),
            version: "1.0.0".to_owned(),
            digest: "sha256:00".to_owned(),
            target: "registry".to_owned(),
        })
        .await?;
    // All workers want the same repository: each waits its turn.
    let holder = crate::support::worker(&worker);
    loop {
        match store
            .acquire_repo_lease("shared-repo", &holder, Duration::from_hours(1))
            .await
        {
            Ok(_) => break,
            Err(StoreError::LeaseBusy { .. }) => tokio::task::yield_now().await,
            Err(other) => return Err(other),
        }
    }
    assert!(store.release_repo_lease("shared-repo", &holder).await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_handles_on_one_file_share_the_work_without_lock_errors() {
    for_each_backend(async |state| {
        let handles = [state.open().await, state.open().await];

        let mut tasks = Vec::new();
        for (h, store) in handles.iter().enumerate() {
            for t in 0..TASKS_PER_HANDLE {
                tasks.push(tokio::spawn(work(store.clone(), format!("worker-{h}-{t}"))));
            }
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }

        let count = |sql: &'static str| state.count(sql);
        let workers = i64::try_from(2 * TASKS_PER_HANDLE).unwrap();
        assert_eq!(
            count("SELECT COUNT(*) FROM steps WHERE status = 'succeeded'").await,
            3 * workers
        );
        assert_eq!(count("SELECT COUNT(*) FROM events").await, workers);
        assert_eq!(count("SELECT COUNT(*) FROM artifacts").await, 1);
        assert_eq!(count("SELECT COUNT(*) FROM repo_leases").await, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_trains_for_one_version_yield_exactly_one() {
    for_each_backend(async |state| {
        let handles = [state.open().await, state.open().await];

        let mut tasks = Vec::new();
        for store in &handles {
            for _ in 0..TASKS_PER_HANDLE {
                let store = store.clone();
                tasks.push(tokio::spawn(async move {
                    store
                        .create_train(&new_train(TrainKind::Final, "1.12.0"))
                        .await
                }));
            }
        }
        let mut created = Vec::new();
        let mut conflicts = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(train) => created.push(train),
                Err(StoreError::TrainConflict { active, .. }) => conflicts.push(active),
                Err(other) => panic!("unexpected error: {other}"),
            }
        }

        assert_eq!(created.len(), 1);
        assert_eq!(conflicts.len(), 2 * TASKS_PER_HANDLE - 1);
        assert!(conflicts.iter().all(|active| *active == created[0].id));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_decisions_on_one_deployment_have_exactly_one_winner() {
    for_each_backend(async |state| {
        let handles = [state.open().await, state.open().await];
        let pending = handles[0]
            .create_deployment(&new_deployment("identity", "prd", "1.12.0", true))
            .await
            .unwrap();

        let mut tasks = Vec::new();
        for (h, store) in handles.iter().enumerate() {
            for t in 0..TASKS_PER_HANDLE {
                let store = store.clone();
                let id = pending.id.clone();
                // Half approve, half reject: the loser must not overwrite the winner's decision.
                let approve = t % 2 == 0;
                tasks.push(tokio::spawn(async move {
                    store
                        .decide_deployment(&id, approve, &format!("user-{h}-{t}"))
                        .await
                }));
            }
        }
        let mut winners = Vec::new();
        let mut refused_from = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(deployment) => winners.push(deployment),
                Err(StoreError::InvalidTransition { from, .. }) => refused_from.push(from),
                Err(other) => panic!("unexpected error: {other}"),
            }
        }

        assert_eq!(winners.len(), 1);
        let winner = &winners[0];
        assert!(matches!(
            winner.status,
            DeploymentStatus::Approved | DeploymentStatus::Rejected
        ));
        assert_eq!(refused_from.len(), 2 * TASKS_PER_HANDLE - 1);
        assert!(
            refused_from
                .iter()
                .all(|from| *from == winner.status.as_str())
        );
        let stored = handles[1].deployment(pending.id.as_str()).await.unwrap();
        assert_eq!(stored, *winner);
    })
    .await;
}
