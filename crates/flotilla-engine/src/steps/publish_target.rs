//! Where a publish step's registry puts artifacts: an embedded local directory, or a server
//! reached with the credentials the manifest names.

use std::path::PathBuf;

use flotilla_core::fleet::{Registry, RegistryKind};
use flotilla_publish::PublishError;
use flotilla_publish::http::{HttpClient, HttpPolicy};
use flotilla_publish::npm::NpmRegistryTarget;
use flotilla_publish::oci::{Credentials, RegistryImageTarget};
use flotilla_publish::python::PypiUploadTarget;

use crate::steps::target_error::TargetError;
use crate::workspace::Workspace;

/// Where a registry's artifacts go.
pub enum Target {
    /// One of the embedded local formats, in a directory.
    Local(PathBuf),
    /// A server.
    Remote(Registry),
}

impl Target {
    /// The registry `name` of the manifest, which must hold `kind`, and its label as the store
    /// records it (no credentials).
    pub fn resolve(
        workspace: &Workspace,
        name: &str,
        kind: RegistryKind,
    ) -> Result<(Self, String), TargetError> {
        let registry: &Registry =
            workspace
                .fleet
                .registries
                .get(name)
                .ok_or_else(|| TargetError::NotInManifest {
                    name: name.to_owned(),
                })?;
        if registry.kind != kind {
            return Err(TargetError::WrongKind {
                name: name.to_owned(),
                holds: registry.kind,
                wanted: kind,
            });
        }
        if is_server(registry) {
            return Ok((Self::Remote(registry.clone()), registry.url.clone()));
        }
        let path = registry
            .url
            .strip_prefix("file://")
            .unwrap_or(&registry.url);
        let root = workspace.path(path);
        let label = root.display().to_string();
        Ok((Self::Local(root), label))
    }
}

fn is_server(registry: &Registry) -> bool {
    registry.url.starts_with("http://") || registry.url.starts_with("https://")
}

/// Whether a registry is one of the embedded local directories (which cannot notify anyone).
pub fn is_local(workspace: &Workspace, registry: &str) -> bool {
    workspace
        .fleet
        .registries
        .get(registry)
        .is_some_and(|r| !is_server(r))
}

fn env(name: Option<&String>) -> Option<String> {
    name.and_then(|n| std::env::var(n).ok())
        .filter(|v| !v.is_empty())
}

/// A client under the limits the manifest sets for registry calls.
fn http(registry: &Registry) -> Result<HttpClient, PublishError> {
    HttpClient::new(HttpPolicy::new(registry.limits))
}

/// `host[:port]` and the path below it (a namespace) of a registry URL.
fn host_and_namespace(url: &str) -> (String, Option<String>) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    match rest.split_once('/') {
        Some((host, path)) if !path.trim_matches('/').is_empty() => {
            (host.to_owned(), Some(path.trim_matches('/').to_owned()))
        }
        Some((host, _)) => (host.to_owned(), None),
        None => (rest.to_owned(), None),
    }
}

/// An OCI registry client with the credentials the manifest names, or else the user's Docker
/// configuration.
pub fn oci_registry(
    registry: &Registry,
) -> Result<(RegistryImageTarget, Option<String>), PublishError> {
    let (host, namespace) = host_and_namespace(&registry.url);
    let credentials = match (
        env(registry.username_env.as_ref()),
        env(registry.password_env.as_ref()),
        env(registry.token_env.as_ref()),
    ) {
        (Some(username), Some(password), _) => Credentials::Basic { username, password },
        (_, _, Some(token)) => Credentials::Bearer(token),
        _ => Credentials::from_docker_config(&host).unwrap_or(Credentials::Anonymous),
    };
    let target = RegistryImageTarget::new(&host, registry.insecure, credentials, http(registry)?)?;
    Ok((target, namespace))
}

pub fn pypi_registry(registry: &Registry) -> Result<PypiUploadTarget, PublishError> {
    // pypiserver and devpi serve the simple API under the upload URL.
    let simple = format!("{}/simple/", registry.url.trim_end_matches('/'));
    let target = PypiUploadTarget::new(&registry.url, &simple, registry.insecure, http(registry)?)?;
    Ok(
        match (
            env(registry.username_env.as_ref()),
            env(registry.password_env.as_ref()),
            env(registry.token_env.as_ref()),
        ) {
            (Some(user), Some(password), _) => target.with_password(&user, &password),
            (_, _, Some(token)) => target.with_token(&token),
            _ => target,
        },
    )
}

pub fn npm_registry(registry: &Registry) -> Result<NpmRegistryTarget, PublishError> {
    let target = NpmRegistryTarget::new(&registry.url, registry.insecure, http(registry)?)?;
    Ok(match env(registry.token_env.as_ref()) {
        Some(token) => target.with_token(&token),
        None => target,
    })
}
