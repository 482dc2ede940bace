use flotilla_store::{ArtifactKind, ArtifactRecord, NewArtifact};

use crate::support::{for_each_backend, run, train};

fn image(run_id: &flotilla_store::Id, digest: &str) -> NewArtifact {
    NewArtifact {
        run_id: run_id.clone(),
        kind: ArtifactKind::Image,
        name: "spaceone/identity".to_owned(),
        version: "1.12.0".to_owned(),
        digest: digest.to_owned(),
        target: "127.0.0.1:5000".to_owned(),
    }
}

#[tokio::test]
async fn recording_the_same_artifact_twice_keeps_one_record() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let identity = run(&*store, None, "identity", 0).await;

        let first = store
            .record_artifact(&image(&identity.id, "sha256:aa"))
            .await
            .unwrap();
        let again = store
            .record_artifact(&image(&identity.id, "sha256:aa"))
            .await
            .unwrap();
        let rebuilt = store
            .record_artifact(&image(&identity.id, "sha256:bb"))
            .await
            .unwrap();

        let ArtifactRecord::New(recorded) = &first else {
            panic!("first record should be new: {first:?}")
        };
        assert_eq!(again, ArtifactRecord::Existing(recorded.clone()));
        assert!(matches!(rebuilt, ArtifactRecord::New(_)));
        let digests: Vec<_> = store
            .artifacts_of_run(&identity.id)
            .await
            .unwrap()
            .into_iter()
            .map(|artifact| artifact.digest)
            .collect();
        assert_eq!(digests, ["sha256:aa", "sha256:bb"]);
    })
    .await;
}

#[tokio::test]
async fn artifacts_of_a_train_gather_its_runs() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let release = train(&*store, "1.12.0").await;
        let core = run(&*store, Some(&release), "python-core", 0).await;
        let identity = run(&*store, Some(&release), "identity", 1).await;
        let outside = run(&*store, None, "console", 0).await;
        let wheel = NewArtifact {
            kind: ArtifactKind::Python,
            name: "spaceone-core".to_owned(),
            target: "http://127.0.0.1:8081".to_owned(),
            ..image(&core.id, "sha256:cc")
        };
        store.record_artifact(&wheel).await.unwrap();
        store
            .record_artifact(&image(&identity.id, "sha256:aa"))
            .await
            .unwrap();
        store
            .record_artifact(&image(&outside.id, "sha256:dd"))
            .await
            .unwrap();

        let artifacts = store.artifacts_of_train(&release.id).await.unwrap();

        let names: Vec<_> = artifacts
            .iter()
            .map(|a| (a.kind, a.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (ArtifactKind::Python, "spaceone-core"),
                (ArtifactKind::Image, "spaceone/identity")
            ]
        );
        assert_eq!(store.artifacts_of_run(&core.id).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn artifacts_are_found_by_digest_with_the_run_that_published_them() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let identity = run(&*store, None, "identity", 0).await;
        store
            .record_artifact(&image(&identity.id, "sha256:aa"))
            .await
            .unwrap();
        store
            .record_artifact(&image(&identity.id, "sha256:bb"))
            .await
            .unwrap();

        let found = store.artifacts_with_digest("sha256:aa").await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].run_id, identity.id);
        assert!(
            store
                .artifacts_with_digest("sha256:cc")
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}
