use std::collections::BTreeMap;
use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::blocking::RequestBuilder;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};

use crate::http::{HttpClient, base_url};
use crate::npm::npm_target::{check_dist_tag, superseded_tags};
use crate::npm::{NpmPackage, NpmTarget, PackageName};
use crate::{ArtifactKind, Outcome, PublishError, Published, Result};

/// An npm registry (registry.npmjs.org, Verdaccio, GitHub Packages, Nexus) as an npm target:
/// packages are published with the registry API as `npm publish` does, the packument read
/// first, so that a published version is never sent twice and dist-tags only move forward.
pub struct NpmRegistryTarget {
    http: HttpClient,
    registry: Url,
    token: Option<String>,
}

impl std::fmt::Debug for NpmRegistryTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpmRegistryTarget")
            .field("registry", &self.registry.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl NpmRegistryTarget {
    /// A registry at `registry_url` (`https://registry.npmjs.org/`); plain http is refused
    /// unless `insecure`.
    pub fn new(registry_url: &str, insecure: bool, http: HttpClient) -> Result<Self> {
        Ok(Self {
            http,
            registry: base_url(registry_url, insecure)?,
            token: None,
        })
    }

    /// Authenticates every request with this bearer token (`_authToken` in `.npmrc`).
    #[must_use]
    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// The registry URL, as `npm --registry` takes it.
    pub fn registry_url(&self) -> &str {
        self.registry.as_str()
    }

    /// The tarball URL npm records for a version: `<registry>/<name>/-/<bare name>-<version>.tgz`.
    pub fn tarball_url(&self, name: &PackageName, version: &semver::Version) -> String {
        let bare = name.as_str().rsplit('/').next().unwrap_or(name.as_str());
        format!("{}{name}/-/{bare}-{version}.tgz", self.registry)
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.registry
            .join(path)
            .map_err(|_| PublishError::InvalidName {
                kind: "npm registry path",
                value: path.to_owned(),
                expected: "a path under the registry URL",
            })
    }

    /// The packument URL: a scope's `/` is escaped, as npm sends it.
    fn packument_url(&self, name: &PackageName) -> Result<Url> {
        self.url(&name.as_str().replace('/', "%2f"))
    }

    fn authorize(&self, builder: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// The packument, or `None` for a package never published.
    fn packument(&self, name: &PackageName) -> Result<Option<Value>> {
        let url = self.packument_url(name)?;
        let reply = self
            .http
            .send(|c| Ok(self.authorize(c.get(url.clone()).header(ACCEPT, "application/json"))))?;
        if reply.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        reply.json("an npm registry").map(Some)
    }

    fn set_dist_tag(&self, name: &PackageName, tag: &str, version: &str) -> Result<()> {
        let url = self.url(&format!(
            "-/package/{}/dist-tags/{tag}",
            name.as_str().replace('/', "%2f")
        ))?;
        let body = Value::from(version).to_string();
        self.http
            .send(|c| {
                Ok(self.authorize(
                    c.put(url.clone())
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone()),
                ))
            })?
            .success()?;
        Ok(())
    }

    fn remove_dist_tag(&self, name: &PackageName, tag: &str) -> Result<()> {
        let url = self.url(&format!(
            "-/package/{}/dist-tags/{tag}",
            name.as_str().replace('/', "%2f")
        ))?;
        let reply = self
            .http
            .send(|c| Ok(self.authorize(c.delete(url.clone()))))?;
        // Gone already (an earlier attempt, or someone else) is what was asked.
        if reply.status() == StatusCode::NOT_FOUND {
            return Ok(());
        }
        reply.success()?;
        Ok(())
    }

    fn publish_version(
        &self,
        pkg: &NpmPackage,
        dist_tags: &BTreeMap<String, String>,
    ) -> Result<()> {
        let name = pkg.name().as_str();
        let version = pkg.version().to_string();
        let mut tarball = Vec::new();
        std::fs::File::open(pkg.tarball())
            .and_then(|mut f| f.read_to_end(&mut tarball))
            .map_err(|e| PublishError::io("read", pkg.tarball(), e))?;
        let mut document = pkg.manifest().clone();
        if let Some(object) = document.as_object_mut() {
            object.insert("_id".to_owned(), format!("{name}@{version}").into());
            object.insert(
                "dist".to_owned(),
                json!({
                    "integrity": pkg.integrity(),
                    "shasum": pkg.shasum(),
                    "tarball": self.tarball_url(pkg.name(), pkg.version()),
                }),
            );
        }
        let mut body = json!({
            "_id": name,
            "name": name,
            "dist-tags": dist_tags,
            "versions": { &version: document },
            "_attachments": {
                format!("{name}-{version}.tgz"): {
                    "content_type": "application/octet-stream",
                    "data": STANDARD.encode(&tarball),
                    "length": tarball.len(),
                }
            },
        });
        if let Some(description) = pkg.manifest().get("description") {
            body["description"] = description.clone();
        }
        let body =
            serde_json::to_vec(&body).map_err(|e| PublishError::serialize("npm publish", &e))?;
        let url = self.packument_url(pkg.name())?;
        let reply = self.http.send(|c| {
            Ok(self.authorize(
                c.put(url.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone()),
            ))
        })?;
        if reply.status().is_success() {
            return Ok(());
        }
        // An earlier attempt may have gone through before its answer was lost: the registry
        // then refuses our own version, which is success.
        if let Some(packument) = self.packument(pkg.name())?
            && integrity(&packument, &version) == Some(pkg.integrity())
        {
            return Ok(());
        }
        Err(reply.refused())
    }
}

fn integrity<'a>(packument: &'a Value, version: &str) -> Option<&'a str> {
    let doc = packument.get("versions")?.get(version)?;
    Some(
        doc.pointer("/dist/integrity")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    )
}

fn dist_tags(packument: Option<&Value>) -> BTreeMap<String, String> {
    packument
        .and_then(|p| p.get("dist-tags"))
        .and_then(Value::as_object)
        .map(|tags| {
            tags.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

impl NpmTarget for NpmRegistryTarget {
    fn publish(&self, pkg: &NpmPackage, dist_tag: &str) -> Result<Published> {
        check_dist_tag(pkg, dist_tag)?;
        let version = pkg.version().to_string();
        let packument = self.packument(pkg.name())?;
        let mut tags = dist_tags(packument.as_ref());
        // A tag never moves to a lower version: an older line's hotfix leaves `latest` alone.
        let current = tags
            .get(dist_tag)
            .and_then(|v| semver::Version::parse(v).ok());
        let advance = current.as_ref().is_none_or(|c| c <= pkg.version());
        let moves = advance && tags.get(dist_tag) != Some(&version);

        let published_integrity = packument.as_ref().and_then(|p| integrity(p, &version));
        let outcome = match published_integrity {
            Some(existing) if existing == pkg.integrity() => {
                if moves {
                    self.set_dist_tag(pkg.name(), dist_tag, &version)?;
                    Outcome::Written
                } else {
                    Outcome::Unchanged
                }
            }
            Some(existing) => {
                return Err(PublishError::NpmVersionConflict {
                    name: pkg.name().to_string(),
                    version,
                    location: self.registry.to_string(),
                    existing: existing.to_owned(),
                    new: pkg.integrity().to_owned(),
                });
            }
            None => {
                // The publish body names the tag as it must be afterwards: this version, or
                // the higher one it already names.
                if advance {
                    tags.insert(dist_tag.to_owned(), version.clone());
                }
                let body_tags: BTreeMap<String, String> = tags
                    .get(dist_tag)
                    .map(|v| BTreeMap::from([(dist_tag.to_owned(), v.clone())]))
                    .unwrap_or_default();
                self.publish_version(pkg, &body_tags)?;
                Outcome::Written
            }
        };
        // Read again: a first publish may have set tags of its own.
        if dist_tag == "latest" && advance {
            let tags = dist_tags(self.packument(pkg.name())?.as_ref());
            for tag in superseded_tags(&tags, pkg.version()) {
                self.remove_dist_tag(pkg.name(), &tag)?;
            }
        }
        Ok(Published {
            kind: ArtifactKind::Npm,
            name: pkg.name().to_string(),
            version,
            digest: pkg.digest(),
            location: self.tarball_url(pkg.name(), pkg.version()),
            tags: if advance {
                vec![dist_tag.to_owned()]
            } else {
                Vec::new()
            },
            outcome,
        })
    }

    fn versions(&self, name: &str) -> Result<Vec<String>> {
        let name = PackageName::new(name)?;
        let packument = self.packument(&name)?;
        let mut versions: Vec<String> = packument
            .as_ref()
            .and_then(|p| p.get("versions"))
            .and_then(Value::as_object)
            .map(|v| v.keys().cloned().collect())
            .unwrap_or_default();
        versions.sort_by_cached_key(|v| semver::Version::parse(v).ok());
        Ok(versions)
    }

    fn dist_tags(&self, name: &str) -> Result<BTreeMap<String, String>> {
        let name = PackageName::new(name)?;
        Ok(dist_tags(self.packument(&name)?.as_ref()))
    }
}
