//! Continuous deployment: an image tag arrives (a registry's event, a poll, a local publish),
//! the policy decides which environments take it, and a deployer (GitOps write-back or Helm)
//! applies it. Every deployment is recorded; protected environments wait for an approval.
//!
//! - `image_deployment.rs`: policy decision → recorded deployments;
//! - `approval.rs`, `rollback.rs`, `image_reference.rs`: what people ask for;
//! - `deployment_executor.rs`: carries one deployment out and records the result;
//! - `reconciliation.rs`: finishes deployments a killed process left unfinished;
//! - `deployer.rs`: the seam, implemented by `gitops.rs` and `helm.rs`;
//! - `event_processor.rs`, `registry_poller.rs`: where image tags (and git pushes) come from;
//! - `engine_api.rs`: the `Engine` methods that hand over to these.
//!
//! Adding a deployer, in order: its manifest keys (`manifest/document.rs` `DeployDoc`, checked
//! in `manifest/resolver.rs`, templates parsed with `Deploy::PLACEHOLDERS`), its variant of
//! core's `fleet::Deploy`, a `Deployer` implementation in its own file here, and its arm in
//! `DeploymentExecutor::deployer`.

pub(crate) mod approval;
pub(crate) mod cd_context;
pub(crate) mod deploy_error;
pub(crate) mod deployer;
pub(crate) mod deployment_executor;
mod engine_api;
pub(crate) mod event_outcome;
pub(crate) mod event_processor;
pub(crate) mod gitops;
pub(crate) mod helm;
pub(crate) mod image_deployment;
pub(crate) mod image_reference;
pub(crate) mod image_reference_error;
pub(crate) mod poll_state;
pub(crate) mod provenance;
pub(crate) mod reconciliation;
pub(crate) mod registry_poller;
pub(crate) mod rollback;
