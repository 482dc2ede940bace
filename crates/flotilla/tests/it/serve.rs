//! `flotilla serve` end to end, with real processes: the server binary as a child of the
//! test, a docker-registry of the test's own that notifies it, skopeo pushing images built
//! with umoci, git pushing to bare repositories with the installed hook, and the deploy
//! repository checked with git.

mod cd;
mod durability;
mod git_hook;
pub(crate) mod harness;
mod hostile_clients;
mod interrupted_train;
mod secrets;
mod security;
