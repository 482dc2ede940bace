//! Durable state of flotilla: trains, runs, steps, artifacts, events, repository and train
//! leases, deployments, API tokens (hashed), sessions and the audit log.
//!
//! The engine holds an `Arc<dyn Store>` ([`Store`] is the union of one trait per aggregate);
//! [`SqliteStore`] keeps the state in `.flotilla/state.db`. The SQL uses `$n` placeholders, `ON CONFLICT`, `RETURNING` and a partial
//! unique index, all of which `PostgreSQL` accepts too; the `SQLite`-only parts are
//! `BEGIN IMMEDIATE`, the pragmas set at connection, the row decoding and the event batches
//! (rows sent as one JSON array, read with `json_each`).

mod api_token;
mod artifact;
mod audit_entry;
mod deployment;
mod deployment_changes;
mod error;
mod event;
mod id;
mod lease;
mod lease_holder;
mod new_train_run;
mod row_reader;
mod run;
mod schema;
mod session;
mod sqlite_store;
mod step;
mod store;
mod store_future;
mod text_enum;
mod train;
mod train_driver;
mod train_lease;

pub use api_token::{ApiToken, NewApiToken};
pub use artifact::{Artifact, ArtifactKind, ArtifactRecord, NewArtifact};
pub use audit_entry::{AuditEntry, NewAuditEntry};
pub use deployment::{Deployment, DeploymentStatus, NewDeployment};
pub use deployment_changes::{DeploymentChanges, PairDeployments};
pub use error::StoreError;
pub use event::{Event, EventReceipt, EventStatus, HandledEvent, NewEvent};
pub use id::Id;
pub use lease::Lease;
pub use lease_holder::LeaseHolder;
pub use new_train_run::NewTrainRun;
pub use run::{NewRun, Run, RunStatus, RunWithLastStep};
pub use session::Session;
pub use sqlite_store::SqliteStore;
pub use step::{NewStep, Step, StepOutcome, StepStatus};
pub use store::{
    ArtifactStore, AuditStore, DeploymentStore, EventStore, LeaseStore, RunStore, StepStore, Store,
    TokenStore, TrainStore,
};
pub use store_future::StoreFuture;
pub use train::{NewTrain, Train, TrainKind, TrainStatus};
pub use train_driver::TrainDriver;
pub use train_lease::TrainLease;
