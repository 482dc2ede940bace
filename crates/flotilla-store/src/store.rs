//! The store's traits, one per aggregate, and [`Store`], their union: what the engine holds.

mod artifact_store;
mod audit_store;
mod deployment_store;
mod event_store;
mod lease_store;
mod run_store;
mod step_store;
mod token_store;
mod train_store;

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;

pub use artifact_store::ArtifactStore;
pub use audit_store::AuditStore;
pub use deployment_store::DeploymentStore;
pub use event_store::EventStore;
pub use lease_store::LeaseStore;
pub use run_store::RunStore;
pub use step_store::StepStore;
pub use token_store::TokenStore;
pub use train_store::TrainStore;

/// flotilla's durable state: [`SqliteStore`](crate::SqliteStore) for one node, `PostgreSQL` for
/// several. The engine holds it as `Arc<dyn Store>`; the methods of every aggregate's trait can
/// be called on it without importing those traits.
///
/// Every method commits before it returns. Crash safety of effects (pushes, uploads) rests on
/// that: the engine calls [`step_started`](StepStore::step_started) before an effect and
/// [`step_finished`](StepStore::step_finished) after it, so a step found `running` after a
/// crash means "may have happened: check the world before redoing it".
pub trait Store:
    TrainStore
    + RunStore
    + StepStore
    + ArtifactStore
    + EventStore
    + LeaseStore
    + DeploymentStore
    + TokenStore
    + AuditStore
    + Debug
    + Send
    + Sync
{
    /// Waits for in-flight queries and closes the connections.
    fn close(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}
