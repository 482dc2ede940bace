use std::time::Duration;

use flotilla_core::fleet::Environment;
use flotilla_store::Deployment;

use crate::engine::Engine;
use crate::notifier::{DeployReport, Message, Notifier};
use crate::workspace::Workspace;

/// Told each deployment's latency from its creation (the registry event) to done.
pub(crate) type DeployObserver = dyn Fn(Duration) + Send + Sync;

/// What continuous deployment uses of the engine: the fleet and its state, where outcomes are
/// announced, and who measures them. Borrowed for one call.
#[derive(Clone, Copy)]
pub(crate) struct CdContext<'a> {
    pub workspace: &'a Workspace,
    pub notifier: &'a Notifier,
    pub observer: Option<&'a DeployObserver>,
}

impl<'a> CdContext<'a> {
    pub(crate) fn of(engine: &'a Engine) -> Self {
        Self {
            workspace: engine.workspace(),
            notifier: &engine.notifier,
            observer: engine.deploy_observer.as_deref(),
        }
    }

    pub(crate) fn environment(&self, name: &str) -> Option<&Environment> {
        self.workspace
            .fleet
            .environments
            .iter()
            .find(|e| e.name == name)
    }

    /// Announces a deployment's state to the fleet's notification targets.
    pub(crate) async fn notify(&self, deployment: &Deployment) {
        let report = Message::Deploy(DeployReport {
            id: deployment.id.to_string(),
            service: deployment.service.clone(),
            environment: deployment.environment.clone(),
            version: deployment.version.clone(),
            status: deployment.status,
            trigger: deployment.trigger.clone(),
            approved_by: deployment.decided_by.clone(),
            error: deployment.error.clone(),
        });
        let notifier = self.notifier.clone();
        drop(tokio::task::spawn_blocking(move || notifier.send(&report)).await);
    }
}
