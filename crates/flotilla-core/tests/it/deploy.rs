//! Continuous deployment's pure decisions: image tags, the per-environment policy, the GitOps
//! values-file edit (fixtures and a property test), helm's command line and exit, and the
//! deploy commit message.

mod commit;
mod helm;
mod policy;
mod tags;
mod trigger;
mod yaml;
mod yaml_props;
