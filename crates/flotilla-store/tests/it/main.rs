//! Integration tests of flotilla-store against real `SQLite` files in temporary directories.

mod artifacts;
mod concurrency;
mod deployments;
mod event_batch;
mod events;
mod leases;
mod migrations;
mod runs;
mod steps;
mod support;
mod tokens;
mod train_leases;
mod trains;
