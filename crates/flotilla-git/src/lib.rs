//! A typed, synchronous wrapper around the `git` command-line program.
//!
//! Every git process gets its arguments as argv (never through a shell), runs with
//! `LC_ALL=C` (so its output can be parsed) and `GIT_TERMINAL_PROMPT=0` (so it never waits for
//! a human), and ignores inherited variables such as `GIT_DIR` that would point it at another
//! repository. Otherwise git behaves as the user's git does: credentials, hooks and signing
//! come from the user's configuration. Callers in async code run these functions on a
//! blocking thread.

mod command_error;
mod commit_info;
mod git;
mod git_command;
mod git_error;
mod identity;
mod identity_setup;
mod message_cleanup;
mod mirror_cache;
mod mirror_lock;
mod oid;
mod push_options;
mod push_rejection;
mod redact;
mod ref_name;
mod remote_refs;
mod repo;
mod repo_creation;
mod tag_info;
mod tree_entry;
mod work_tree_path;

pub use command_error::{CommandError, FailureKind};
pub use commit_info::CommitInfo;
pub use git::Git;
pub use git_error::GitError;
pub use identity::Identity;
pub use message_cleanup::cleanup_whitespace;
pub use mirror_cache::MirrorCache;
pub use oid::{Oid, OidError};
pub use push_options::PushOptions;
pub use push_rejection::{PushRejection, RejectReason, RejectedRef};
pub use redact::redact_credentials;
pub use ref_name::{RefName, RefNameError, RefNameProblem};
pub use remote_refs::{RemoteRefs, RemoteTag};
pub use repo::Repo;
pub use tag_info::TagInfo;
pub use tree_entry::TreeEntry;
