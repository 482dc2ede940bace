//! The seam between deciding a deployment and applying it: one implementation per way an
//! environment is deployed (`gitops.rs`, `helm.rs`). A new way (Argo CD's API, a remote runner)
//! is one more implementation and one more arm where the executor picks it.

use flotilla_core::Template;
use flotilla_core::deploy::{DeployTrigger, ImageVersion};
use flotilla_store::Deployment;

use crate::cd::deploy_error::DeployError;

/// Applies deployments to one environment. Deployers block (git, helm): they run on the
/// blocking pool, so they own what they need.
pub(crate) trait Deployer: Send {
    /// Applies `request`; the returned detail is stored with the deployment. Doing it again
    /// after a crash changes nothing twice: deployers check what is already there.
    fn deploy(&self, request: &DeployRequest) -> Result<serde_json::Value, DeployError>;
}

/// One deployment as a deployer sees it.
#[derive(Debug, Clone)]
pub(crate) struct DeployRequest {
    pub deployment: Deployment,
    pub version: ImageVersion,
    /// What the deploy commit says started it.
    pub trigger: DeployTrigger,
    pub approved_by: Option<String>,
}

/// A deploy string of the manifest (file, key, release, chart) for one service.
pub(crate) fn for_service(template: &Template, service: &str) -> String {
    template.render(|name| (name == "service").then(|| service.to_owned()))
}

#[cfg(test)]
mod tests {
    use flotilla_core::fleet::Deploy;

    use super::*;

    #[test]
    fn deploy_strings_name_the_service_wherever_they_say_so() {
        let fill = |source: &str| {
            for_service(
                &Template::parse(source, Deploy::PLACEHOLDERS).unwrap(),
                "identity",
            )
        };
        assert_eq!(fill("values/{service}.yaml"), "values/identity.yaml");
        assert_eq!(fill("{service}.image.version"), "identity.image.version");
        assert_eq!(fill("{service}-{service}"), "identity-identity");
        assert_eq!(fill("./chart"), "./chart");
    }
}
