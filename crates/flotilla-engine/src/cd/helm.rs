//! `helm upgrade --install … --wait --atomic`, argv only: helm waits for the rollout and undoes
//! a failed one itself.

use flotilla_core::deploy::{self, HelmOutcome};
use flotilla_core::{EnvEntry, Template};
use serde_json::json;

use crate::cd::deploy_error::DeployError;
use crate::cd::deployer::{DeployRequest, Deployer, for_service};
use crate::command_env::CommandEnv;

/// What helm sees beyond the basics: its own settings and the cluster's kubeconfig.
static HELM_ENV: std::sync::LazyLock<[EnvEntry; 3]> = std::sync::LazyLock::new(|| {
    [
        EnvEntry::Pass("KUBECONFIG".into()),
        EnvEntry::PassPrefix("HELM_".into()),
        EnvEntry::PassPrefix("XDG_".into()),
    ]
});

/// Deploys one service to one environment by a helm release.
pub(crate) struct HelmDeployer {
    release: String,
    chart: String,
    namespace: String,
    kube_context: Option<String>,
}

impl HelmDeployer {
    pub(crate) fn new(
        service: &str,
        release: &Template,
        chart: &Template,
        namespace: &str,
        kube_context: Option<&str>,
    ) -> Self {
        Self {
            release: for_service(release, service),
            chart: for_service(chart, service),
            namespace: namespace.to_owned(),
            kube_context: kube_context.map(str::to_owned),
        }
    }
}

impl Deployer for HelmDeployer {
    fn deploy(&self, request: &DeployRequest) -> Result<serde_json::Value, DeployError> {
        let tag = request.version.to_string();
        let argv = deploy::helm_upgrade_argv(
            &self.release,
            &self.chart,
            &self.namespace,
            self.kube_context.as_deref(),
            &tag,
        )?;
        let (program, arguments) = argv.split_first().ok_or(DeployError::EmptyHelmCommand)?;
        let mut command = std::process::Command::new(program);
        CommandEnv::default().apply(&mut command, HELM_ENV.iter());
        let output = command
            .args(arguments)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|source| DeployError::HelmNotRunnable {
                program: program.clone(),
                source,
            })?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        match deploy::classify_helm_exit(output.status.code(), &stderr) {
            HelmOutcome::Success => Ok(json!({ "helm": argv, "outcome": "success" })),
            other => Err(DeployError::HelmFailed {
                outcome: serde_json::to_string(&other).unwrap_or_default(),
            }),
        }
    }
}
