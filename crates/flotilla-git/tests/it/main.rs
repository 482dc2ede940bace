//! Integration tests against the real `git` program, in temporary directories.

mod environment;
mod errors;
mod identity;
mod mirror_cache;
mod ref_name;
mod repo;
mod support;
