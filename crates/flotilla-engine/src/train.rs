//! Trains: the runner that executes a plan wave by wave, with its gates, leases, summaries and
//! notifications.

pub mod driver_lease;
pub mod gate;
pub mod lease;
pub mod published_listener;
pub mod repo_runner;
pub mod stored_request;
pub mod this_process;
pub mod train_cancel;
pub mod train_notifications;
pub mod train_overview;
pub mod train_runner;
pub mod train_services;
pub mod train_summary;
