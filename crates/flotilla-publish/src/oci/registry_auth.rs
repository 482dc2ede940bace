use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::StatusCode;
use reqwest::Url;
use reqwest::blocking::RequestBuilder;
use reqwest::header::WWW_AUTHENTICATE;
use serde::Deserialize;

use crate::http::{HttpClient, Reply, redact};
use crate::oci::Credentials;
use crate::{PublishError, Result};

/// The access a request needs, as the token flow's `scope` parameters name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    scopes: Vec<String>,
}

impl Scope {
    pub(crate) fn pull(repository: &str) -> Self {
        Self {
            scopes: vec![format!("repository:{repository}:pull")],
        }
    }

    pub(crate) fn push(repository: &str) -> Self {
        Self {
            scopes: vec![format!("repository:{repository}:pull,push")],
        }
    }

    /// Push to one repository and read another: a cross-repository mount.
    pub(crate) fn push_and_mount(repository: &str, from: &str) -> Self {
        let mut scope = Self::push(repository);
        scope.scopes.push(format!("repository:{from}:pull"));
        scope
    }

    fn key(&self) -> String {
        self.scopes.join(" ")
    }
}

/// Authentication to one registry: the credentials, and what the registry asked for so far
/// (basic auth, or bearer tokens per scope from its token service).
pub(crate) struct RegistryAuth {
    registry: String,
    credentials: Credentials,
    insecure: bool,
    basic: AtomicBool,
    tokens: Mutex<HashMap<String, String>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

impl RegistryAuth {
    pub(crate) fn new(registry: &str, credentials: Credentials, insecure: bool) -> Self {
        Self {
            registry: registry.to_owned(),
            credentials,
            insecure,
            basic: AtomicBool::new(false),
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Adds what the registry is known to accept for `scope` to a request.
    pub(crate) fn authorize(&self, builder: RequestBuilder, scope: &Scope) -> RequestBuilder {
        if let Credentials::Bearer(token) = &self.credentials {
            return builder.bearer_auth(token);
        }
        let token = self
            .tokens
            .lock()
            .ok()
            .and_then(|tokens| tokens.get(&scope.key()).cloned());
        if let Some(token) = token {
            return builder.bearer_auth(token);
        }
        match &self.credentials {
            Credentials::Basic { username, password } if self.basic.load(Ordering::Relaxed) => {
                builder.basic_auth(username, Some(password))
            }
            _ => builder,
        }
    }

    /// Answers a 401's challenge: fetches a token for `scope`, or switches to basic auth.
    /// True when the request is worth sending again.
    pub(crate) fn answer(&self, reply: &Reply, scope: &Scope, http: &HttpClient) -> Result<bool> {
        if reply.status() != StatusCode::UNAUTHORIZED {
            return Ok(false);
        }
        let Some(challenge) = reply
            .headers()
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(Challenge::parse)
        else {
            return Ok(false);
        };
        match challenge.scheme.as_str() {
            "basic" => match &self.credentials {
                Credentials::Basic { .. } => Ok(!self.basic.swap(true, Ordering::Relaxed)),
                _ => Ok(false),
            },
            "bearer" if !matches!(self.credentials, Credentials::Bearer(_)) => {
                let token = self.fetch_token(&challenge, scope, http)?;
                if let Ok(mut tokens) = self.tokens.lock() {
                    tokens.insert(scope.key(), token);
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn fetch_token(
        &self,
        challenge: &Challenge,
        scope: &Scope,
        http: &HttpClient,
    ) -> Result<String> {
        let realm =
            challenge
                .params
                .get("realm")
                .ok_or_else(|| PublishError::UnexpectedResponse {
                    request: format!("the token challenge of `{}`", self.registry),
                    problem: "its bearer challenge names no realm".to_owned(),
                    expected: "an OCI distribution registry",
                })?;
        let mut url = Url::parse(realm).map_err(|_| PublishError::UnexpectedResponse {
            request: format!("the token challenge of `{}`", self.registry),
            problem: "its realm is not a URL".to_owned(),
            expected: "an OCI distribution registry",
        })?;
        // The token service receives the credentials: never in clear unless the registry itself
        // is marked insecure.
        if url.scheme() != "https" && !self.insecure {
            return Err(PublishError::PlainHttp { url: redact(&url) });
        }
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = challenge.params.get("service") {
                query.append_pair("service", service);
            }
            let mut scopes: Vec<&str> = scope.scopes.iter().map(String::as_str).collect();
            if let Some(asked) = challenge.params.get("scope") {
                for s in asked.split(' ') {
                    if !scopes.contains(&s) {
                        scopes.push(s);
                    }
                }
            }
            for s in scopes {
                query.append_pair("scope", s);
            }
        }
        let reply = http.send(|client| {
            let request = client.get(url.clone());
            Ok(match &self.credentials {
                Credentials::Basic { username, password } => {
                    request.basic_auth(username, Some(password))
                }
                _ => request,
            })
        })?;
        if matches!(
            reply.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) {
            let (_, message) = reply.status_and_message();
            return Err(PublishError::Credentials {
                registry: self.registry.clone(),
                problem: format!("its token service refused them ({message})"),
                hint: "check the user name and password or token given for this registry",
            });
        }
        let body: TokenResponse = reply.json("a registry token service")?;
        body.token
            .or(body.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| PublishError::UnexpectedResponse {
                request: format!("the token service of `{}`", self.registry),
                problem: "its answer holds no token".to_owned(),
                expected: "a registry token service",
            })
    }
}

/// One `WWW-Authenticate` challenge: its scheme (lowercase) and parameters.
#[derive(Debug, PartialEq, Eq)]
struct Challenge {
    scheme: String,
    params: BTreeMap<String, String>,
}

impl Challenge {
    fn parse(header: &str) -> Option<Self> {
        let header = header.trim();
        let (scheme, mut rest) = header.split_once(' ').unwrap_or((header, ""));
        let mut params = BTreeMap::new();
        loop {
            rest = rest.trim_start_matches([' ', ',']);
            let Some((key, after)) = rest.split_once('=') else {
                break;
            };
            let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                (value, &quoted[end..])
            } else {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim().to_owned(), &after[end..])
            };
            params.insert(key.trim().to_ascii_lowercase(), value);
            rest = after;
        }
        (!scheme.is_empty()).then(|| Self {
            scheme: scheme.to_ascii_lowercase(),
            params,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_challenges_with_commas_in_quotes() {
        let challenge = Challenge::parse(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
        )
        .unwrap();
        assert_eq!(challenge.scheme, "bearer");
        assert_eq!(challenge.params["realm"], "https://auth.example/token");
        assert_eq!(challenge.params["service"], "registry.example");
        assert_eq!(challenge.params["scope"], "repository:a/b:pull,push");
        let basic = Challenge::parse(r#"Basic realm="Registry Realm""#).unwrap();
        assert_eq!(basic.scheme, "basic");
        assert_eq!(basic.params["realm"], "Registry Realm");
    }
}
