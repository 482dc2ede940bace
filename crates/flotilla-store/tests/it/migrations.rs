use flotilla_store::{
    DeploymentStore, Id, LeaseHolder, LeaseStore, SqliteStore, StoreError, TrainStore,
};

use std::time::Duration;

use crate::support::{StateDir, new_deployment, raw_pool, train};

/// The repository leases of schema versions 1 and 2: the holder as one formatted text.
macro_rules! version_1_leases {
    () => {
        "DROP TABLE repo_leases; \
         CREATE TABLE repo_leases (repo TEXT PRIMARY KEY, holder TEXT NOT NULL, \
             acquired_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
    };
}

#[tokio::test]
async fn open_creates_the_state_directory_and_database() {
    let state = StateDir::new();
    assert!(!state.path.exists());

    let store = state.open().await;

    assert_eq!(store.path(), state.path.join("state.db"));
    assert!(store.path().is_file());
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&raw_pool(store.path()).await)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn reopening_keeps_data_and_applies_each_migration_once() {
    let state = StateDir::new();
    let store = state.open().await;
    let created = train(&store, "1.12.0").await;
    store.close().await;

    for _ in 0..2 {
        let store = state.open().await;
        assert_eq!(store.train(created.id.as_str()).await.unwrap(), created);
        store.close().await;
    }

    let pool = raw_pool(&state.path.join(SqliteStore::DB_FILE)).await;
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_version ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    let expected: Vec<i64> = (1..=SqliteStore::schema_version()).collect();
    assert_eq!(versions, expected);
}

#[tokio::test]
async fn two_processes_opening_a_fresh_directory_both_succeed() {
    let state = StateDir::new();

    let (first, second) = tokio::join!(
        SqliteStore::open(&state.path),
        SqliteStore::open(&state.path)
    );

    let (first, second) = (first.unwrap(), second.unwrap());
    let created = train(&first, "1.12.0").await;
    assert_eq!(second.train(created.id.as_str()).await.unwrap(), created);
}

#[tokio::test]
async fn a_database_from_a_newer_flotilla_is_refused() {
    let state = StateDir::new();
    let store = state.open().await;
    let pool = raw_pool(store.path()).await;
    sqlx::query("INSERT INTO schema_version VALUES (999, 'from the future', 0)")
        .execute(&pool)
        .await
        .unwrap();
    store.close().await;

    let error = SqliteStore::open(&state.path).await.unwrap_err();

    assert!(
        matches!(error, StoreError::SchemaTooNew { found: 999, known, .. } if known == SqliteStore::schema_version()),
        "{error}"
    );
}

#[tokio::test]
async fn an_unusable_state_directory_is_reported() {
    let temp = tempfile::tempdir().unwrap();
    let file = temp.path().join("not-a-directory");
    std::fs::write(&file, "x").unwrap();

    let error = SqliteStore::open(&file.join(".flotilla"))
        .await
        .unwrap_err();

    assert!(matches!(error, StoreError::CreateDir { .. }), "{error}");
}

#[tokio::test]
async fn a_version_1_database_is_upgraded_keeping_its_data() {
    let state = StateDir::new();
    let store = state.open().await;
    let created = train(&store, "1.12.0").await;
    store.close().await;
    // Back to what the first release of flotilla left on disk.
    let pool = raw_pool(&state.path.join(SqliteStore::DB_FILE)).await;
    sqlx::raw_sql(concat!(
        "DROP TRIGGER deployment_inserted; DROP TRIGGER deployment_updated; ",
        "DROP TABLE deployment_changes; ",
        "ALTER TABLE trains DROP COLUMN cancel_requested_ms; ",
        "ALTER TABLE trains DROP COLUMN cancel_requested_by; ",
        "DROP TABLE deployments; DROP TABLE train_leases; DROP TABLE replay_keys; ",
        "DROP TABLE sessions; DROP TABLE api_tokens; DROP TABLE audit_log; DROP INDEX artifacts_digest; ",
        "DELETE FROM schema_version WHERE version > 1; ",
        version_1_leases!()
    ))
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let store = state.open().await;

    assert_eq!(store.train(created.id.as_str()).await.unwrap(), created);
    let deployment = store
        .create_deployment(&new_deployment("identity", "dev", "1.12.0", false))
        .await
        .unwrap();
    assert_eq!(
        store.deployment(deployment.id.as_str()).await.unwrap(),
        deployment
    );
}

#[tokio::test]
async fn a_version_2_database_keeps_its_leases_with_typed_holders() {
    let state = StateDir::new();
    let store = state.open().await;
    store.close().await;
    let pool = raw_pool(&state.path.join(SqliteStore::DB_FILE)).await;
    // 2100-01-01: live throughout the test.
    let far: i64 = 4_102_444_800_000;
    sqlx::raw_sql(concat!(
        "DROP TRIGGER deployment_inserted; DROP TRIGGER deployment_updated; ",
        "DROP TABLE deployment_changes; ",
        "ALTER TABLE trains DROP COLUMN cancel_requested_ms; ",
        "ALTER TABLE trains DROP COLUMN cancel_requested_by; ",
        "DROP TABLE train_leases; DROP TABLE replay_keys; ",
        "DROP TABLE sessions; DROP TABLE api_tokens; DROP TABLE audit_log; DROP INDEX artifacts_digest; ",
        "DELETE FROM schema_version WHERE version > 2; ",
        version_1_leases!(),
        "INSERT INTO repo_leases VALUES \
             ('identity', 'train 01HXYZ0000000000000000TRN1 (pid 4242 on build-1)', 1, 0), \
             ('not-ours', 'someone else', 1, 0);"
    ))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE repo_leases SET expires_ms = $1")
        .bind(far)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let store = state.open().await;

    let holder = LeaseHolder {
        train: Id::parse("01HXYZ0000000000000000TRN1").unwrap(),
        pid: 4242,
        host: "build-1".to_owned(),
    };
    let other = LeaseHolder {
        host: "build-2".to_owned(),
        ..holder.clone()
    };
    let error = store
        .acquire_repo_lease("identity", &other, Duration::from_mins(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StoreError::LeaseBusy { holder: busy, .. } if *busy == holder),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("train 01HXYZ0000000000000000TRN1 (pid 4242 on build-1)"),
        "{error}"
    );
    assert!(store.release_repo_lease("identity", &holder).await.unwrap());
    // A row flotilla did not write is dropped: its repository is free.
    store
        .acquire_repo_lease("not-ours", &other, Duration::from_mins(1))
        .await
        .unwrap();
}
