#![expect(
    clippy::unwrap_used,
    reason = "a fixture that cannot be built fails the test"
)]

use std::path::{Path, PathBuf};

use flotilla_store::{
    Deployment, DeploymentStatus, NewDeployment, NewRun, NewTrain, Run, SqliteStore, Store, Train,
    TrainKind,
};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use tempfile::TempDir;

/// A temporary working directory and the state directory flotilla would use in it.
pub struct StateDir {
    _temp: TempDir,
    pub path: PathBuf,
}

impl StateDir {
    pub fn new() -> Self {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join(SqliteStore::STATE_DIR);
        Self { _temp: temp, path }
    }

    pub async fn open(&self) -> SqliteStore {
        SqliteStore::open(&self.path).await.unwrap()
    }
}

pub fn new_train(kind: TrainKind, version: &str) -> NewTrain {
    NewTrain {
        kind,
        version: version.to_owned(),
        request: json!({ "command": ["release", "start", version] }),
    }
}

pub async fn train(store: &impl Store, version: &str) -> Train {
    store
        .create_train(&new_train(TrainKind::ReleaseStart, version))
        .await
        .unwrap()
}

pub async fn run(store: &impl Store, train: Option<&Train>, repo: &str, wave: u32) -> Run {
    store
        .create_run(&NewRun {
            train_id: train.map(|train| train.id.clone()),
            repo: repo.to_owned(),
            event: "release-branch".to_owned(),
            version: "1.12.0".to_owned(),
            wave,
        })
        .await
        .unwrap()
}

/// A request to deploy `version` of `service` to `environment`, by alice, without expiry.
pub fn new_deployment(
    service: &str,
    environment: &str,
    version: &str,
    needs_approval: bool,
) -> NewDeployment {
    NewDeployment {
        service: service.to_owned(),
        environment: environment.to_owned(),
        version: version.to_owned(),
        image: format!("registry.example.com/spaceone/{service}"),
        digest: format!("sha256:{version}"),
        trigger: "registry push event 01HXYZ".to_owned(),
        requested_by: "alice".to_owned(),
        needs_approval,
        expires_at: None,
    }
}

/// Deploys `version` without approval, through to `status`.
pub async fn deployed(
    store: &impl Store,
    service: &str,
    environment: &str,
    version: &str,
    status: DeploymentStatus,
) -> Deployment {
    let created = store
        .create_deployment(&new_deployment(service, environment, version, false))
        .await
        .unwrap();
    store.deployment_started(&created.id).await.unwrap();
    store
        .deployment_finished(&created.id, status, None, None)
        .await
        .unwrap()
}

/// A time `offset` from now, at the millisecond precision the store keeps.
pub fn at(offset: SignedDuration) -> Timestamp {
    Timestamp::from_millisecond((Timestamp::now() + offset).as_millisecond()).unwrap()
}

/// A raw connection pool on the database file, to look under the store.
pub async fn raw_pool(db: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(db))
        .await
        .unwrap()
}
