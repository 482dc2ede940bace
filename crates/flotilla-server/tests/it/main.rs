//! Integration tests of flotilla-server: a real server on loopback with a real SQLite store,
//! real git pushes through the installed hook, and a real HTTP client.

mod api;
mod durability;
mod fuzz;
mod git_hook;
mod github;
mod registry;
mod security;
mod support;
