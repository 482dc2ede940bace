//! [`SqliteStore`]: the store traits over a `SQLite` file, one file per aggregate.

// First, so that the column macros are in scope in the modules below.
#[macro_use]
mod columns;

mod artifacts;
mod audit;
mod database;
mod deployments;
mod event_batch;
mod events;
mod id_prefix;
mod leases;
mod runs;
mod status_counts;
mod steps;
mod tokens;
mod trains;
mod transition;

pub use database::SqliteStore;
