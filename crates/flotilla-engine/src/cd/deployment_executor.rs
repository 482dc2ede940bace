use std::time::Duration;

use flotilla_core::Help;
use flotilla_core::deploy::{self, DeployTrigger, DeploymentTrigger, ImagePushed};
use flotilla_core::fleet::{Deploy, Environment};
use flotilla_store::{Deployment, DeploymentStatus};
use serde_json::json;

use crate::cd::cd_context::CdContext;
use crate::cd::deploy_error::DeployError;
use crate::cd::deployer::{DeployRequest, Deployer};
use crate::cd::gitops::GitopsDeployer;
use crate::cd::helm::HelmDeployer;
use crate::cd::provenance::Provenance;
use crate::engine_error::EngineError;

/// Applies an approved deployment with its environment's deployer and records the result.
pub(crate) struct DeploymentExecutor<'a> {
    cd: CdContext<'a>,
}

impl<'a> DeploymentExecutor<'a> {
    pub(crate) fn new(cd: CdContext<'a>) -> Self {
        Self { cd }
    }

    pub(crate) async fn execute(
        &self,
        deployment: &Deployment,
        approved_by: Option<&str>,
    ) -> Result<Deployment, EngineError> {
        let store = &self.cd.workspace.store;
        let environment = self
            .cd
            .environment(&deployment.environment)
            .ok_or_else(|| {
                EngineError::Other(format!(
                    "environment {} is no longer in the manifest",
                    deployment.environment
                ))
            })?;
        let deployer = self.deployer(environment, &deployment.service);
        // Refused before any effect: the reason is the deployment's error, for the history,
        // `deploy status --json` and the dashboard.
        if let Some(reason) = Provenance::new(self.cd)
            .refusal(&deployment.environment, &deployment.digest)
            .await?
        {
            if deployment.status != DeploymentStatus::Running {
                store.deployment_started(&deployment.id).await?;
            }
            let done = store
                .deployment_finished(
                    &deployment.id,
                    DeploymentStatus::Failed,
                    Some(&reason),
                    Some(&json!({ "refused": "provenance" })),
                )
                .await?;
            self.cd.notify(&done).await;
            return Ok(done);
        }
        // A deployment left `running` by a stopped process is carried on: the deployers check
        // what is already there, so doing it again changes nothing twice.
        if deployment.status != DeploymentStatus::Running {
            store.deployment_started(&deployment.id).await?;
        }
        let record = deployment.clone();
        let approved_by = approved_by.map(str::to_owned);
        let result = tokio::task::spawn_blocking(move || {
            request(record, approved_by).and_then(|request| deployer.deploy(&request))
        })
        .await?;
        let (status, error, detail) = match result {
            Ok(detail) => (DeploymentStatus::Succeeded, None, detail),
            Err(err) => (
                DeploymentStatus::Failed,
                Some(
                    self.cd
                        .workspace
                        .redactor
                        .redact(&err.with_help())
                        .into_owned(),
                ),
                json!({}),
            ),
        };
        let done = store
            .deployment_finished(&deployment.id, status, error.as_deref(), Some(&detail))
            .await?;
        if let Some(observer) = self.cd.observer {
            let latency = jiff::Timestamp::now().duration_since(deployment.created_at);
            observer(Duration::try_from(latency).unwrap_or_default());
        }
        self.cd.notify(&done).await;
        Ok(done)
    }

    /// The deployer the environment's `deploy` names, for one service.
    fn deployer(&self, environment: &Environment, service: &str) -> Box<dyn Deployer> {
        match &environment.deploy {
            Deploy::Gitops {
                remote,
                branch,
                file,
                key,
            } => Box::new(GitopsDeployer::new(
                self.cd.workspace,
                &environment.name,
                service,
                remote,
                branch,
                file,
                key,
            )),
            Deploy::Helm {
                release,
                chart,
                namespace,
                kube_context,
            } => Box::new(HelmDeployer::new(
                service,
                release,
                chart,
                namespace,
                kube_context.as_deref(),
            )),
        }
    }
}

/// What the deployers need of a stored deployment: its version parsed, and what the deploy
/// commit should say started it.
fn request(
    deployment: Deployment,
    approved_by: Option<String>,
) -> Result<DeployRequest, DeployError> {
    let version =
        deploy::classify_tag(&deployment.version).ok_or_else(|| DeployError::NotDeployable {
            version: deployment.version.clone(),
        })?;
    let trigger = if DeploymentTrigger::parse(&deployment.trigger).is_rollback() {
        DeployTrigger::Rollback {
            requested_by: deployment.requested_by.clone(),
        }
    } else {
        DeployTrigger::ImagePushed(ImagePushed {
            image: deployment.image.clone(),
            tag: deployment.version.clone(),
            digest: deployment.digest.clone(),
        })
    };
    Ok(DeployRequest {
        deployment,
        version,
        trigger,
        approved_by,
    })
}

#[cfg(test)]
mod tests {
    use flotilla_store::Id;

    use super::*;

    fn deployment(version: &str, trigger: &str) -> Deployment {
        Deployment {
            id: Id::generate(),
            service: "identity".to_owned(),
            environment: "prd".to_owned(),
            version: version.to_owned(),
            image: "spaceone/identity".to_owned(),
            digest: "sha256:5f2c".to_owned(),
            trigger: trigger.to_owned(),
            status: DeploymentStatus::Approved,
            requested_by: "alice".to_owned(),
            decided_by: None,
            decided_at: None,
            expires_at: None,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            started_at: None,
            finished_at: None,
            error: None,
            detail: None,
        }
    }

    #[test]
    fn a_rollback_commit_names_who_asked() {
        let request = request(deployment("1.11.0", "rollback by alice"), None).unwrap();
        assert_eq!(
            request.trigger,
            DeployTrigger::Rollback {
                requested_by: "alice".to_owned()
            }
        );
    }

    #[test]
    fn anything_else_is_the_pushed_image() {
        for trigger in ["registry event 01H", "manual by rollback", "registry poll"] {
            let request = request(deployment("1.12.0", trigger), Some("bob".to_owned())).unwrap();
            assert_eq!(
                request.trigger,
                DeployTrigger::ImagePushed(ImagePushed {
                    image: "spaceone/identity".to_owned(),
                    tag: "1.12.0".to_owned(),
                    digest: "sha256:5f2c".to_owned(),
                }),
                "{trigger}"
            );
            assert_eq!(request.approved_by.as_deref(), Some("bob"));
        }
    }

    #[test]
    fn a_tag_that_is_no_version_is_refused() {
        let err = request(deployment("latest", "registry poll"), None).unwrap_err();
        assert_eq!(err.to_string(), "latest is not a deployable version");
    }
}
