//! A service deployed by GitOps: `identity`, whose images are `fleet/identity`, and a deploy
//! repository `remotes/deploy.git` holding one values file per environment.

use flotilla_testkit::{Fleet, Sandbox};

/// Final versions go to stg without approval, written into `values/stg.yaml`.
const ENVIRONMENTS: &str = "environments:
  - name: stg
    channels: [final]
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/stg.yaml}";

/// A values file as people write them: comments, keys around the version.
pub fn values(version: &str) -> String {
    format!(
        "# Values for stg; flotilla writes image versions back here.\n\
         identity:\n  \
           image:\n    \
             name: fleet/identity\n    \
             version: {version}  # set by flotilla\n  \
           replicas: 2\n"
    )
}

pub fn service_with_deploy_repo() -> Sandbox {
    let sandbox = Fleet::new()
        .setting("image_namespace: fleet")
        .section(ENVIRONMENTS)
        .repo("identity", "plugin")
        .build();
    sandbox.create_remote(
        "deploy",
        [("values/stg.yaml", values("0.1.0").as_str())],
        "Deploy values",
    );
    sandbox
}

/// `values/stg.yaml` on the deploy repository's master.
pub fn deployed_values(sandbox: &Sandbox) -> String {
    sandbox
        .show("deploy", "master", "values/stg.yaml")
        .expect("values/stg.yaml on master")
}

/// A digest-shaped string made of one repeated hex digit.
pub fn digest(digit: char) -> String {
    format!("sha256:{}", digit.to_string().repeat(64))
}
