#![expect(
    clippy::unwrap_used,
    reason = "a fixture that cannot be built fails the test"
)]

use std::path::{Path, PathBuf};

use flotilla_store::{NewRun, NewTrain, Run, SqliteStore, Store, Train, TrainKind};
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

/// A raw connection pool on the database file, to look under the store.
pub async fn raw_pool(db: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(db))
        .await
        .unwrap()
}
