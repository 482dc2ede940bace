use flotilla_store::{NewStep, StepOutcome, StepStatus, StoreError};
use serde_json::json;

use crate::support::{for_each_backend, run};

fn plan() -> Vec<NewStep> {
    ["set-version", "commit", "push"]
        .iter()
        .zip(0..)
        .map(|(kind, idx)| NewStep {
            idx,
            kind: (*kind).to_owned(),
            description: format!("{kind} 1.12.0"),
        })
        .collect()
}

#[tokio::test]
async fn a_started_step_is_durable_before_its_effect_and_finished_after() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let identity = run(&*store, None, "identity", 0).await;
        let planned = store.add_steps(&identity.id, &plan()).await.unwrap();
        assert!(
            planned
                .iter()
                .all(|step| step.status == StepStatus::Pending && step.attempt == 0)
        );
        let push = &planned[2];
        let intent = json!({ "ref": "refs/tags/1.12.0", "sha": "0123abc" });

        let started = store
            .step_started(&push.id, Some("logs/push.log"), Some(&intent))
            .await
            .unwrap();
        assert_eq!(started.status, StepStatus::Running);
        assert_eq!(started.attempt, 1);
        // A crash here: another process opening the state sees the step running, with its intent.
        let after_crash = state.open().await;
        let seen = after_crash.steps_of_run(&identity.id).await.unwrap();
        assert_eq!(seen[2].status, StepStatus::Running);
        assert_eq!(seen[2].detail.as_ref(), Some(&intent));
        assert_eq!(seen[2].log_path.as_deref(), Some("logs/push.log"));

        let finished = after_crash
            .step_finished(
                &push.id,
                &StepOutcome {
                    status: StepStatus::Succeeded,
                    exit_code: Some(0),
                    detail: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(finished.status, StepStatus::Succeeded);
        assert_eq!(finished.exit_code, Some(0));
        assert_eq!(
            finished.detail.as_ref(),
            Some(&intent),
            "kept from the start"
        );
        assert!(finished.ended_at.unwrap() >= finished.started_at.unwrap());
        let kinds: Vec<_> = store
            .steps_of_run(&identity.id)
            .await
            .unwrap()
            .into_iter()
            .map(|step| step.kind)
            .collect();
        assert_eq!(kinds, ["set-version", "commit", "push"]);
    })
    .await;
}

#[tokio::test]
async fn a_failed_step_can_be_retried_and_a_done_one_cannot_restart() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let identity = run(&*store, None, "identity", 0).await;
        let step = store
            .add_steps(&identity.id, &plan())
            .await
            .unwrap()
            .remove(0);
        store.step_started(&step.id, None, None).await.unwrap();
        let failed = store
            .step_finished(
                &step.id,
                &StepOutcome {
                    status: StepStatus::Failed,
                    exit_code: Some(1),
                    detail: Some(json!({ "stderr": "rejected" })),
                },
            )
            .await
            .unwrap();
        assert_eq!(failed.exit_code, Some(1));

        let retried = store.step_started(&step.id, None, None).await.unwrap();
        assert_eq!(retried.attempt, 2);
        assert_eq!((retried.exit_code, retried.ended_at), (None, None));
        // Re-attempting a step left running by a crash is allowed too.
        assert_eq!(
            store
                .step_started(&step.id, None, None)
                .await
                .unwrap()
                .attempt,
            3
        );
        store
            .step_finished(
                &step.id,
                &StepOutcome {
                    status: StepStatus::Succeeded,
                    exit_code: Some(0),
                    detail: None,
                },
            )
            .await
            .unwrap();

        let error = store.step_started(&step.id, None, None).await.unwrap_err();
        assert!(
            matches!(
                error,
                StoreError::InvalidTransition {
                    entity: "step",
                    from: "succeeded",
                    to: "running",
                    ..
                }
            ),
            "{error}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_pending_step_may_only_end_skipped() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let identity = run(&*store, None, "identity", 0).await;
        let planned = store.add_steps(&identity.id, &plan()).await.unwrap();
        let outcome = |status| StepOutcome {
            status,
            exit_code: None,
            detail: None,
        };

        let error = store
            .step_finished(&planned[0].id, &outcome(StepStatus::Succeeded))
            .await
            .unwrap_err();
        let skipped = store
            .step_finished(&planned[1].id, &outcome(StepStatus::Skipped))
            .await
            .unwrap();
        store
            .step_started(&planned[2].id, None, None)
            .await
            .unwrap();
        let not_an_end = store
            .step_finished(&planned[2].id, &outcome(StepStatus::Pending))
            .await
            .unwrap_err();

        assert!(
            matches!(
                error,
                StoreError::InvalidTransition {
                    from: "pending",
                    to: "succeeded",
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(skipped.status, StepStatus::Skipped);
        assert_eq!(skipped.started_at, None);
        assert!(
            matches!(not_an_end, StoreError::InvalidTransition { .. }),
            "{not_an_end}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_run_records_its_plan_once() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let identity = run(&*store, None, "identity", 0).await;
        store.add_steps(&identity.id, &plan()).await.unwrap();

        let error = store
            .add_steps(&identity.id, &plan()[1..])
            .await
            .unwrap_err();

        assert!(
            matches!(&error, StoreError::DuplicateStep { run_id, idx: 1 } if *run_id == identity.id),
            "{error}"
        );
        assert_eq!(store.steps_of_run(&identity.id).await.unwrap().len(), 3);
    })
    .await;
}
