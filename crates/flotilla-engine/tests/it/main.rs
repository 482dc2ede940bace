//! Integration tests of the engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod notifier;
mod step_executor;
