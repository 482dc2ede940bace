//! Integration tests of the GitHub client against the in-process fake GitHub API of
//! `flotilla_testkit::fake_github` (a fake: no GitHub server runs on these machines; its
//! answers follow GitHub's published REST description). GitHub App keys are generated with
//! `openssl` (installed by `scripts/install-test-deps.sh`).

// Helpers shared by the tests panic like the tests do.
#![allow(clippy::unwrap_used)]

mod app_auth;
mod common;
mod conditional;
mod errors;
mod faults;
mod real_github;
mod runs;
