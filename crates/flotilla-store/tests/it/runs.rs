use flotilla_store::{Id, NewRun, NewStep, RunStatus, StepOutcome, StepStatus, StoreError};

use crate::support::{for_each_backend, run, train};

fn steps(count: u32) -> Vec<NewStep> {
    (0..count)
        .map(|idx| NewStep {
            idx,
            kind: "run".to_owned(),
            description: format!("step {idx}"),
        })
        .collect()
}

fn finished(status: StepStatus) -> StepOutcome {
    StepOutcome {
        status,
        exit_code: Some(0),
        detail: None,
    }
}

#[tokio::test]
async fn runs_of_a_train_come_by_wave_with_their_last_started_step() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let release = train(&*store, "1.12.0").await;
        let service = run(&*store, Some(&release), "identity", 1).await;
        let core = run(&*store, Some(&release), "python-core", 0).await;
        let other = train(&*store, "1.13.0").await;
        run(&*store, Some(&other), "identity", 0).await;
        let core_steps = store.add_steps(&core.id, &steps(3)).await.unwrap();
        store.add_steps(&service.id, &steps(2)).await.unwrap();
        store
            .step_started(&core_steps[0].id, None, None)
            .await
            .unwrap();
        store
            .step_finished(&core_steps[0].id, &finished(StepStatus::Succeeded))
            .await
            .unwrap();
        store
            .step_started(&core_steps[1].id, None, None)
            .await
            .unwrap();

        let runs = store.runs_of_train(&release.id).await.unwrap();

        let repos: Vec<_> = runs.iter().map(|r| r.run.repo.as_str()).collect();
        assert_eq!(repos, ["python-core", "identity"]);
        let last = runs[0].last_step.as_ref().unwrap();
        assert_eq!((last.idx, last.status), (1, StepStatus::Running));
        assert_eq!(runs[1].last_step, None, "no step of identity started");
        assert_eq!(runs[0].run.train_id.as_ref(), Some(&release.id));
    })
    .await;
}

#[tokio::test]
async fn unfinished_runs_are_those_not_succeeded_or_skipped() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let release = train(&*store, "1.12.0").await;
        let mut ids = Vec::new();
        for repo in ["done", "skipped", "failed", "blocked", "pending", "running"] {
            ids.push(run(&*store, Some(&release), repo, 0).await.id);
        }
        store.run_started(&ids[0]).await.unwrap();
        store
            .run_finished(&ids[0], RunStatus::Succeeded, None)
            .await
            .unwrap();
        store
            .run_finished(&ids[1], RunStatus::Skipped, None)
            .await
            .unwrap();
        store.run_started(&ids[2]).await.unwrap();
        let failed = store
            .run_finished(&ids[2], RunStatus::Failed, Some("push rejected"))
            .await
            .unwrap();
        let blocked = store.run_blocked(&ids[3], "failed").await.unwrap();
        store.run_started(&ids[5]).await.unwrap();

        let unfinished: Vec<_> = store
            .unfinished_runs(&release.id)
            .await
            .unwrap()
            .into_iter()
            .map(|run| run.repo)
            .collect();

        assert_eq!(unfinished, ["failed", "blocked", "pending", "running"]);
        assert_eq!(failed.error.as_deref(), Some("push rejected"));
        assert!(failed.started_at.is_some() && failed.ended_at.is_some());
        assert_eq!(blocked.status, RunStatus::Blocked);
        assert_eq!(blocked.blocked_by.as_deref(), Some("failed"));
    })
    .await;
}

#[tokio::test]
async fn resuming_a_run_clears_its_previous_end() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let blocked = run(&*store, None, "identity", 0).await;
        store.run_blocked(&blocked.id, "python-core").await.unwrap();

        let resumed = store.run_started(&blocked.id).await.unwrap();

        assert_eq!(resumed.status, RunStatus::Running);
        assert_eq!(resumed.blocked_by, None);
        assert_eq!(resumed.ended_at, None);
        assert_eq!(store.run(&blocked.id).await.unwrap(), resumed);
    })
    .await;
}

#[tokio::test]
async fn done_runs_stay_done() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let done = run(&*store, None, "identity", 0).await;
        store
            .run_finished(&done.id, RunStatus::Succeeded, None)
            .await
            .unwrap();

        let restart = store.run_started(&done.id).await.unwrap_err();
        let block = store.run_blocked(&done.id, "x").await.unwrap_err();
        let not_an_end = run(&*store, None, "other", 0).await;
        let pending_end = store
            .run_finished(&not_an_end.id, RunStatus::Blocked, None)
            .await
            .unwrap_err();

        for error in [restart, block, pending_end] {
            assert!(
                matches!(error, StoreError::InvalidTransition { entity: "run", .. }),
                "{error}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn references_to_missing_records_are_reported_as_not_found() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let ghost = Id::generate();

        let run_error = store
            .create_run(&NewRun {
                train_id: Some(ghost.clone()),
                repo: "identity".to_owned(),
                event: "push".to_owned(),
                version: "1.12.0".to_owned(),
                wave: 0,
            })
            .await
            .unwrap_err();
        let steps_error = store.add_steps(&ghost, &steps(1)).await.unwrap_err();
        let lookup_error = store.run(&ghost).await.unwrap_err();
        let start_error = store.run_started(&ghost).await.unwrap_err();

        assert!(
            matches!(
                run_error,
                StoreError::NotFound {
                    entity: "train",
                    ..
                }
            ),
            "{run_error}"
        );
        for error in [steps_error, lookup_error, start_error] {
            assert!(
                matches!(error, StoreError::NotFound { entity: "run", .. }),
                "{error}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn runs_are_counted_by_status_with_zeros() {
    for_each_backend(async |state| {
        let store = state.open().await;
        assert!(
            store
                .count_runs_by_status()
                .await
                .unwrap()
                .iter()
                .all(|(_, count)| *count == 0)
        );
        let release = train(&*store, "1.12.0").await;
        let done = run(&*store, Some(&release), "identity", 0).await;
        let broken = run(&*store, Some(&release), "inventory", 0).await;
        let waiting = run(&*store, Some(&release), "config", 1).await;
        run(&*store, None, "plugin", 0).await;
        for id in [&done.id, &broken.id] {
            store.run_started(id).await.unwrap();
        }
        store
            .run_finished(&done.id, RunStatus::Succeeded, None)
            .await
            .unwrap();
        store
            .run_finished(&broken.id, RunStatus::Failed, Some("tests failed"))
            .await
            .unwrap();
        store
            .run_blocked(&waiting.id, "inventory failed")
            .await
            .unwrap();

        let counts = store.count_runs_by_status().await.unwrap();

        assert_eq!(
            counts,
            [
                (RunStatus::Pending, 1),
                (RunStatus::Running, 0),
                (RunStatus::Succeeded, 1),
                (RunStatus::Failed, 1),
                (RunStatus::Blocked, 1),
                (RunStatus::Skipped, 0),
                (RunStatus::Cancelled, 0),
            ]
        );
    })
    .await;
}
