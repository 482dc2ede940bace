#![expect(
    clippy::unwrap_used,
    reason = "a fixture that cannot be built fails the test"
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use flotilla_store::{
    Deployment, DeploymentStatus, Id, LeaseHolder, NewDeployment, NewRun, NewTrain, Run,
    SqliteStore, Store, Train, TrainDriver, TrainKind,
};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use tempfile::TempDir;

/// One backend's database under test, fresh and empty, for [`for_each_backend`].
pub struct Backend {
    state: StateDir,
}

impl Backend {
    /// A new handle on the database, as another process would open it.
    pub async fn open(&self) -> Arc<dyn Store> {
        Arc::new(self.state.open().await)
    }

    /// The number `sql` (a `SELECT COUNT(*) …`) counts, read under the store.
    pub async fn count(&self, sql: &'static str) -> i64 {
        let pool = raw_pool(&self.state.path.join(SqliteStore::DB_FILE)).await;
        let count = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        count
    }
}

/// Runs `test` against a fresh database of each store backend: every store test holds the store
/// as `dyn Store`, so that each backend passes the same tests. Today only `SQLite`.
pub async fn for_each_backend(test: impl AsyncFn(&Backend)) {
    let sqlite = Backend {
        state: StateDir::new(),
    };
    test(&sqlite).await;
}

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

pub async fn train(store: &dyn Store, version: &str) -> Train {
    store
        .create_train(&new_train(TrainKind::ReleaseStart, version))
        .await
        .unwrap()
}

pub async fn run(store: &dyn Store, train: Option<&Train>, repo: &str, wave: u32) -> Run {
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
    store: &dyn Store,
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

/// A lease holder: a process of one train on the machine `host` (tests tell holders apart by it).
pub fn worker(host: &str) -> LeaseHolder {
    LeaseHolder {
        train: Id::parse("01HXYZ0000000000000000TRN1").unwrap(),
        pid: 4242,
        host: host.to_owned(),
    }
}

/// A train's driver: a process on the machine `host` (tests tell drivers apart by it), started
/// at a fixed time.
pub fn driver(host: &str) -> TrainDriver {
    TrainDriver {
        pid: 4242,
        host: host.to_owned(),
        started_at: Timestamp::from_millisecond(1_700_000_000_000).unwrap(),
    }
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
