//! One file per flow: "where is the hotfix flow?" is answered by `flows/hotfix.rs`. Each
//! implements one of the seed's CI triggers (see `../shared/DESIGN.md`, "The flows"); the
//! pieces they share (tag resolution and checks, publish steps, refusals) live beside this
//! module under `plan/`, so that no flow imports another's internals except `tag`, whose
//! steps the release-branch and hotfix flows continue with.

pub(crate) mod dev;
pub(crate) mod hotfix;
pub(crate) mod push;
pub(crate) mod reflect;
pub(crate) mod release_branch;
pub(crate) mod tag;
