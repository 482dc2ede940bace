//! Integration tests: each artifact is checked with the ecosystem's own client (skopeo and
//! umoci, pip, npm and node, curl and tar). Install the non-default ones with
//! `scripts/install-test-deps.sh`. The registry tests use the servers `FLOTILLA_TEST_*` name
//! (`scripts/services/start.sh` writes them), else start their own from the binaries
//! `scripts/install-services.sh` installs.

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
