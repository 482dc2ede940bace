use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::{PublishError, Result};

/// How flotilla authenticates to an OCI registry. The secret never appears in `Debug` output
/// or in errors.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    /// No credentials: anonymous access, or a registry without authentication.
    #[default]
    Anonymous,
    /// A user name and password (or access token used as one): sent as HTTP basic auth when the
    /// registry asks for it, or to the registry's token service in the bearer-token flow.
    Basic { username: String, password: String },
    /// A registry bearer token obtained elsewhere, sent as is.
    Bearer(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Anonymous => f.write_str("Anonymous"),
            Self::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Self::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

#[derive(Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: std::collections::BTreeMap<String, DockerAuth>,
}

#[derive(Deserialize)]
struct DockerAuth {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default, rename = "registrytoken")]
    registry_token: Option<String>,
}

impl Credentials {
    /// The credentials the user's Docker `config.json` holds for `registry` (`host[:port]`):
    /// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. [`Credentials::Anonymous`]
    /// when there is no such file or no entry for the registry.
    pub fn from_docker_config(registry: &str) -> Result<Self> {
        let dir = match std::env::var_os("DOCKER_CONFIG") {
            Some(dir) => PathBuf::from(dir),
            None => match std::env::var_os("HOME") {
                Some(home) => Path::new(&home).join(".docker"),
                None => return Ok(Self::Anonymous),
            },
        };
        Self::from_docker_config_file(&dir.join("config.json"), registry)
    }

    /// As [`Credentials::from_docker_config`], from a given `config.json`. Entries are matched
    /// on their host, so `https://host/v1/` and `host` both match `host`. Credential helpers
    /// (`credsStore`, `credHelpers`) are not consulted.
    pub fn from_docker_config_file(path: &Path, registry: &str) -> Result<Self> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::Anonymous),
            Err(e) => return Err(PublishError::io("read", path, e)),
        };
        let config: DockerConfig =
            serde_json::from_slice(&bytes).map_err(|e| PublishError::Credentials {
                registry: registry.to_owned(),
                problem: format!("`{}` is not a Docker config file ({e})", path.display()),
                hint: "fix the file, or pass the credentials explicitly",
            })?;
        let wanted = docker_hub_alias(registry);
        let Some(entry) = config
            .auths
            .iter()
            .find(|(key, _)| docker_hub_alias(host_of(key)) == wanted)
            .map(|(_, entry)| entry)
        else {
            return Ok(Self::Anonymous);
        };
        let bad_entry = |problem: &str| PublishError::Credentials {
            registry: registry.to_owned(),
            problem: format!("its entry in `{}` {problem}", path.display()),
            hint: "log in again (`docker login`, `podman login`), or pass the credentials \
                   explicitly",
        };
        if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
            let decoded = STANDARD
                .decode(auth.trim())
                .ok()
                .and_then(|raw| String::from_utf8(raw).ok())
                .ok_or_else(|| bad_entry("has an `auth` that is not base64 of `user:password`"))?;
            let (username, password) = decoded
                .split_once(':')
                .ok_or_else(|| bad_entry("has an `auth` without `:`"))?;
            return Ok(Self::Basic {
                username: username.to_owned(),
                password: password.to_owned(),
            });
        }
        if let (Some(username), Some(password)) = (&entry.username, &entry.password) {
            return Ok(Self::Basic {
                username: username.clone(),
                password: password.clone(),
            });
        }
        if let Some(token) = &entry.registry_token {
            return Ok(Self::Bearer(token.clone()));
        }
        Ok(Self::Anonymous)
    }
}

/// The host of a config key, which may be a bare host or a URL.
fn host_of(key: &str) -> &str {
    let rest = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    rest.split('/').next().unwrap_or(rest)
}

/// Docker Hub is known by several hosts; its config entry is `https://index.docker.io/v1/`.
fn docker_hub_alias(host: &str) -> &str {
    match host {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io"
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_auth_entries_by_host() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let auth = STANDARD.encode("ci:s3cret:with-colon");
        std::fs::write(
            &path,
            format!(
                r#"{{"auths":{{"https://registry.example:5000/v1/":{{"auth":"{auth}"}},
                "https://index.docker.io/v1/":{{"username":"u","password":"p"}},
                "empty.example":{{}}}}}}"#
            ),
        )
        .unwrap();
        assert_eq!(
            Credentials::from_docker_config_file(&path, "registry.example:5000").unwrap(),
            Credentials::Basic {
                username: "ci".to_owned(),
                password: "s3cret:with-colon".to_owned()
            }
        );
        assert_eq!(
            Credentials::from_docker_config_file(&path, "registry-1.docker.io").unwrap(),
            Credentials::Basic {
                username: "u".to_owned(),
                password: "p".to_owned()
            }
        );
        for anonymous in ["empty.example", "other.example"] {
            assert_eq!(
                Credentials::from_docker_config_file(&path, anonymous).unwrap(),
                Credentials::Anonymous
            );
        }
        assert_eq!(
            Credentials::from_docker_config_file(&dir.path().join("none.json"), "x").unwrap(),
            Credentials::Anonymous
        );
    }

    #[test]
    fn never_shows_secrets() {
        let basic = Credentials::Basic {
            username: "ci".to_owned(),
            password: "s3cret".to_owned(),
        };
        let shown = format!("{basic:?} {:?}", Credentials::Bearer("t0ken".to_owned()));
        assert!(
            !shown.contains("s3cret") && !shown.contains("t0ken"),
            "{shown}"
        );
    }

    #[test]
    fn a_broken_entry_is_an_error_without_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"auths":{"r.example":{"auth":"bm9jb2xvbg=="}}}"#).unwrap();
        let err = Credentials::from_docker_config_file(&path, "r.example").unwrap_err();
        assert!(matches!(err, PublishError::Credentials { .. }));
        assert!(!err.to_string().contains("nocolon"), "{err}");
    }
}
