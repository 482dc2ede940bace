//! `flotilla serve`: receives git pushes (flotilla's post-receive hook, GitHub) and registry
//! notifications, verifies them before reading them, stores each event before acknowledging
//! it, and processes the stored events with the engine; plus health, Prometheus metrics and a
//! JSON API for trains, runs, logs, events and deployments.

mod action_request;
mod actions;
mod api;
mod app_state;
mod auth;
mod connection_clock;
mod connections;
mod dashboard;
mod git_delivery;
mod hook_install;
mod hooks;
mod html_page;
mod metrics;
mod raw_body;
mod registry_envelope;
mod secret;
mod serve_config;
mod server;
mod server_error;
mod signed_body;
mod store_answer;
mod store_writer;
mod timed_io;
mod trace_api;
mod worker;

pub use auth::{AuthConfig, PagePrincipal, Role, TokenSecret};
pub use hook_install::{install_hook, install_hook_with_secret};
pub use metrics::Metrics;
pub use secret::Secret;
pub use serve_config::ServeConfig;
pub use server::{serve, serve_on};
pub use server_error::ServerError;
