//! Integration tests: each artifact is checked with the ecosystem's own client (skopeo and
//! umoci, pip, npm and node). Install the non-default ones with
//! `scripts/install-test-deps.sh`.

// Helpers shared by the tests panic like the tests do.
#![allow(clippy::unwrap_used)]

mod chart;
mod common;
mod npm;
mod npm_registry;
mod oci;
mod pypi;
mod python;
mod registry;
mod servers;
