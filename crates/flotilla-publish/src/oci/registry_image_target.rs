use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};

use reqwest::blocking::{Body, Client, RequestBuilder};
use reqwest::header::{
    ACCEPT, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LINK,
};
use reqwest::{Method, StatusCode, Url};

use crate::atomic_file::AtomicFile;
use crate::chart::{self, PackagedChart};
use crate::hashing_writer::HashingWriter;
use crate::http::{Failure, HttpClient, Reply, base_url};
use crate::oci::registry_auth::{RegistryAuth, Scope};
use crate::oci::{BuiltImage, Credentials, ImageName, ImageTarget, MANIFEST_MEDIA_TYPE, Tag};
use crate::{ArtifactKind, Digest, Outcome, PublishError, Published, Result};

/// Manifest media types asked for when reading a tag: OCI and Docker, images and indexes.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
                               application/vnd.oci.image.index.v1+json, \
                               application/vnd.docker.distribution.manifest.v2+json, \
                               application/vnd.docker.distribution.manifest.list.v2+json";

const EXPECTED: &str = "an OCI distribution registry";

/// The largest chunk a blob goes up in once the registry refused a request as too large (413):
/// the chunk halves from the refused size down to this, or further while refusals go on.
pub const DEFAULT_CHUNK_SIZE: u64 = 32 << 20;

/// Below this a registry that still answers 413 is not asked again: the refusal is an error.
const MIN_CHUNK_SIZE: u64 = 64 << 10;

/// Blobs uploaded at the same time by one push.
const PARALLEL_UPLOADS: usize = 4;

/// Where this process has seen each blob, per registry: a blob already in one repository of a
/// registry is mounted into another instead of uploaded again.
static KNOWN_BLOBS: LazyLock<Mutex<HashMap<(String, Digest), String>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// An OCI distribution registry (Docker Registry, Harbor, GHCR, ECR, …) as an image target.
///
/// Blobs the registry has are skipped (`HEAD`); a blob pushed to another repository of the same
/// registry by this process is mounted; every other blob goes up in one `PUT` streamed from its
/// file (one upload step for the registry, memory flat in the blob size), or in chunked
/// `PATCH`es when asked ([`Self::with_chunk_size`]) or once the registry refused a request as too
/// large (413). Authentication follows the registry's challenge:
/// anonymous, basic, or bearer tokens from its token service. Every request is retried as the
/// [`HttpClient`]'s policy says; an interrupted blob upload starts again.
pub struct RegistryImageTarget {
    registry: String,
    base: Url,
    http: HttpClient,
    auth: RegistryAuth,
    /// Chunks asked for; `None`: a blob in one request.
    chunk_size: Option<u64>,
    /// The chunk size a 413 taught this target (0 until then), used by the blobs that follow.
    learned_chunk_size: AtomicU64,
    tag_page_size: usize,
}

impl std::fmt::Debug for RegistryImageTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryImageTarget")
            .field("registry", &self.registry)
            .field("base", &self.base.as_str())
            .field("chunk_size", &self.chunk_size)
            .finish_non_exhaustive()
    }
}

/// How one upload session ended.
enum Upload {
    Done,
    /// The registry refused a request of `bytes` bytes as too large (413).
    TooLarge {
        bytes: u64,
        reply: Box<Reply>,
    },
}

/// A blob to upload: a file (a layer, streamed) or bytes (a config).
struct Blob<'a> {
    digest: Digest,
    size: u64,
    content: Content<'a>,
}

enum Content<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

impl Blob<'_> {
    /// The part `[offset, offset + len)` as a request body, streamed from the file.
    fn body(&self, offset: u64, len: u64) -> Result<Body> {
        match &self.content {
            Content::Bytes(bytes) => {
                let start = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let end = usize::try_from(offset + len)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                Ok(Body::from(bytes[start..end].to_vec()))
            }
            Content::File(path) => {
                let mut file = File::open(path).map_err(|e| PublishError::io("read", *path, e))?;
                file.seek(SeekFrom::Start(offset))
                    .map_err(|e| PublishError::io("read", *path, e))?;
                Ok(Body::sized(file.take(len), len))
            }
        }
    }
}

impl RegistryImageTarget {
    /// A registry at `registry` (`host[:port]`, `docker.io` for Docker Hub), over https, or
    /// plain http when `insecure`.
    pub fn new(
        registry: &str,
        insecure: bool,
        credentials: Credentials,
        http: HttpClient,
    ) -> Result<Self> {
        let api_host = if registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            registry
        };
        let valid = !api_host.is_empty()
            && api_host.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
            });
        if !valid {
            return Err(PublishError::InvalidName {
                kind: "registry",
                value: registry.to_owned(),
                expected: "a host name or address with an optional port, such as \
                           `registry.example.com` or `127.0.0.1:5000`",
            });
        }
        let scheme = if insecure { "http" } else { "https" };
        let base = base_url(&format!("{scheme}://{api_host}/"), insecure)?;
        Ok(Self {
            registry: registry.to_owned(),
            base,
            http,
            auth: RegistryAuth::new(registry, credentials, insecure),
            chunk_size: None,
            learned_chunk_size: AtomicU64::new(0),
            tag_page_size: 1000,
        })
    }

    /// Uploads blobs larger than `bytes` in chunks of `bytes` (at least 1), for registries or
    /// proxies that limit the size of a request; by default a blob goes up in one request.
    #[must_use]
    pub fn with_chunk_size(mut self, bytes: u64) -> Self {
        self.chunk_size = Some(bytes.max(1));
        self
    }

    /// Asks for at most `tags` tags per page when listing tags (at least 1).
    #[must_use]
    pub fn with_tag_page_size(mut self, tags: usize) -> Self {
        self.tag_page_size = tags.max(1);
        self
    }

    /// The registry as given.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// `registry/name:tag`, the reference docker, podman and skopeo (`docker://…`) take.
    pub fn reference(&self, name: &ImageName, tag: &str) -> String {
        format!("{}/{name}:{tag}", self.registry)
    }

    /// The tags of `name` unless they are still those the `etag` of an earlier listing
    /// describes: `None` when unchanged, else the sorted tags and the registry's new `ETag`
    /// (`None` when the registry sends none, or the listing took several pages).
    pub fn tags_if_changed(
        &self,
        name: &ImageName,
        etag: Option<&str>,
    ) -> Result<Option<(Vec<String>, Option<String>)>> {
        let scope = Scope::pull(name.as_str());
        let mut url = self.url(&format!("v2/{name}/tags/list"))?;
        url.query_pairs_mut()
            .append_pair("n", &self.tag_page_size.to_string());
        let mut tags = Vec::new();
        let mut first_etag = None;
        let mut pages = 0;
        let mut next = Some(url);
        while let Some(url) = next.take() {
            pages += 1;
            let reply = self.send(&Method::GET, &url, &scope, &|b| {
                Ok(match etag.filter(|_| pages == 1) {
                    Some(etag) => b.header(IF_NONE_MATCH, etag),
                    None => b,
                })
            })?;
            match reply.status() {
                StatusCode::NOT_MODIFIED if pages == 1 => return Ok(None),
                StatusCode::NOT_FOUND if pages == 1 => return Ok(Some((Vec::new(), None))),
                _ => {}
            }
            if pages == 1 {
                first_etag = reply.header(ETAG.as_str()).map(str::to_owned);
            }
            next = reply
                .header(LINK.as_str())
                .and_then(next_link)
                .map(|link| self.base.join(&link))
                .transpose()
                .map_err(|_| PublishError::UnexpectedResponse {
                    request: reply.request().to_owned(),
                    problem: "its `Link` header is not a URL".to_owned(),
                    expected: EXPECTED,
                })?;
            let page: TagList = reply.json(EXPECTED)?;
            tags.extend(page.tags.unwrap_or_default());
        }
        tags.sort_unstable();
        tags.dedup();
        Ok(Some((tags, if pages == 1 { first_etag } else { None })))
    }

    /// The manifest `reference` (a tag or a digest) names, with its media type; `None` when
    /// there is none.
    pub fn manifest(&self, name: &ImageName, reference: &str) -> Result<Option<(String, Vec<u8>)>> {
        let url = self.url(&format!("v2/{name}/manifests/{reference}"))?;
        let reply = self.send(&Method::GET, &url, &Scope::pull(name.as_str()), &|b| {
            Ok(b.header(ACCEPT, MANIFEST_ACCEPT))
        })?;
        if reply.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let request = reply.request().to_owned();
        let media_type = reply
            .header(CONTENT_TYPE.as_str())
            .unwrap_or_default()
            .to_owned();
        let bytes = reply
            .success()?
            .bytes()
            .map_err(|e| PublishError::Request {
                request: request.clone(),
                cause: e.without_url().to_string(),
            })?
            .to_vec();
        if let Ok(expected) = reference.parse::<Digest>()
            && Digest::of_bytes(&bytes) != expected
        {
            return Err(PublishError::UnexpectedResponse {
                request,
                problem: format!("the manifest does not have the digest {expected}"),
                expected: EXPECTED,
            });
        }
        Ok(Some((media_type, bytes)))
    }

    /// Downloads blob `digest` of `name` to `dest`, streamed, checking its digest on the way.
    pub fn blob_to_file(&self, name: &ImageName, digest: Digest, dest: &Path) -> Result<()> {
        let url = self.url(&format!("v2/{name}/blobs/{digest}"))?;
        let scope = Scope::pull(name.as_str());
        let dir = dest.parent().unwrap_or_else(|| Path::new("."));
        self.http.retry(|| {
            let reply =
                self.send_once(&Method::GET, &url, &scope, &|b| Ok(self.http.download(b)))?;
            let request = reply.request().to_owned();
            let mut response = reply.success()?;
            let mut out = HashingWriter::new(AtomicFile::new_in(dir)?);
            response.copy_to(&mut out).map_err(|e| Failure::Transient {
                request: request.clone(),
                cause: e.without_url().to_string(),
                retry_after: None,
            })?;
            let (file, actual, _) = out.finish();
            if actual != digest {
                return Err(PublishError::UnexpectedResponse {
                    request,
                    problem: format!("the blob has the digest {actual}, not {digest}"),
                    expected: EXPECTED,
                }
                .into());
            }
            file.commit(dest)?;
            Ok(())
        })
    }

    /// Pushes a packaged Helm chart as an OCI artifact, as `helm push` does: to repository
    /// `<namespace>/<chart name>`, tagged with the chart version (`+` written `_`), with Helm's
    /// config and content media types, so that `helm pull oci://<registry>/<namespace>/<name>`
    /// finds it. A version tag never moves: the same chart again is
    /// [`Outcome::Unchanged`], a different one under the same version a
    /// [`PublishError::TagConflict`].
    pub fn push_chart(&self, namespace: Option<&str>, chart: &PackagedChart) -> Result<Published> {
        let name = ImageName::new(&match namespace {
            Some(ns) => format!("{ns}/{}", chart.name()),
            None => chart.name().to_owned(),
        })?;
        let config = serde_json::to_vec(chart.metadata())
            .map_err(|e| PublishError::serialize("chart config", &e))?;
        let config_digest = Digest::of_bytes(&config);
        let mut annotations = serde_json::Map::new();
        annotations.insert(
            "org.opencontainers.image.title".to_owned(),
            chart.name().into(),
        );
        annotations.insert(
            "org.opencontainers.image.version".to_owned(),
            chart.version().to_string().into(),
        );
        if let Some(description) = chart.metadata().get("description").and_then(|d| d.as_str()) {
            annotations.insert(
                "org.opencontainers.image.description".to_owned(),
                description.into(),
            );
        }
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {
                "mediaType": chart::CONFIG_MEDIA_TYPE,
                "digest": config_digest,
                "size": config.len(),
            },
            "layers": [{
                "mediaType": chart::CONTENT_MEDIA_TYPE,
                "digest": chart.digest(),
                "size": chart.size(),
            }],
            "annotations": annotations,
        });
        let manifest = serde_json::to_vec(&manifest)
            .map_err(|e| PublishError::serialize("chart manifest", &e))?;
        let tag = Tag::new(&chart.oci_tag())?;
        let blobs = [
            Blob {
                digest: chart.digest(),
                size: chart.size(),
                content: Content::File(chart.path()),
            },
            Blob {
                digest: config_digest,
                size: config.len() as u64,
                content: Content::Bytes(&config),
            },
        ];
        let (digest, outcome) =
            self.push_artifact(&name, &manifest, &blobs, std::slice::from_ref(&tag))?;
        Ok(Published {
            kind: ArtifactKind::Chart,
            name: name.to_string(),
            version: chart.version().to_string(),
            digest,
            location: format!("oci://{}", self.reference(&name, tag.name())),
            tags: vec![tag.name().to_owned()],
            outcome,
        })
    }

    /// Checks every tag, uploads the blobs and points the tags that must move at the manifest.
    fn push_artifact(
        &self,
        name: &ImageName,
        manifest: &[u8],
        blobs: &[Blob<'_>],
        tags: &[Tag],
    ) -> Result<(Digest, Outcome)> {
        let digest = Digest::of_bytes(manifest);
        // Every tag is checked before anything is pushed, so a refused push changes nothing.
        let mut moves = Vec::new();
        for tag in tags {
            match self.digest(name, tag.name())? {
                Some(existing) if existing == digest => {}
                Some(existing) if !tag.is_mutable() => {
                    return Err(PublishError::TagConflict {
                        image: format!("{}/{name}", self.registry),
                        tag: tag.name().to_owned(),
                        existing,
                        new: digest,
                    });
                }
                _ => moves.push(tag),
            }
        }
        if moves.is_empty() {
            return Ok((digest, Outcome::Unchanged));
        }
        self.push_blobs(name, blobs)?;
        for tag in moves {
            self.put_manifest(name, tag.name(), manifest, digest)?;
        }
        Ok((digest, Outcome::Written))
    }

    /// Uploads blobs a few at a time; the first failure stops the others at their next blob.
    fn push_blobs(&self, name: &ImageName, blobs: &[Blob<'_>]) -> Result<()> {
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let workers = PARALLEL_UPLOADS.min(blobs.len());
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| -> Result<()> {
                        while !failed.load(Ordering::Relaxed) {
                            let Some(blob) = blobs.get(next.fetch_add(1, Ordering::Relaxed)) else {
                                break;
                            };
                            if let Err(e) = self.push_blob(name, blob) {
                                failed.store(true, Ordering::Relaxed);
                                return Err(e);
                            }
                        }
                        Ok(())
                    })
                })
                .collect();
            let mut result = Ok(());
            for handle in handles {
                match handle.join() {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        if result.is_ok() {
                            result = Err(e);
                        }
                    }
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            result
        })
    }

    fn push_blob(&self, name: &ImageName, blob: &Blob<'_>) -> Result<()> {
        self.http.retry(|| self.try_push_blob(name, blob))?;
        if let Ok(mut known) = KNOWN_BLOBS.lock() {
            known.insert((self.registry.clone(), blob.digest), name.to_string());
        }
        Ok(())
    }

    /// One attempt at a blob upload, from its start: an upload interrupted half-way is not
    /// resumed, since the registry may have lost it (a restart forgets upload sessions).
    fn try_push_blob(&self, name: &ImageName, blob: &Blob<'_>) -> Result<(), Failure> {
        let push = Scope::push(name.as_str());
        let blob_url = self.url(&format!("v2/{name}/blobs/{}", blob.digest))?;
        let head = self.send_once(&Method::HEAD, &blob_url, &push, &as_is)?;
        match head.status() {
            StatusCode::OK => return Ok(()),
            StatusCode::NOT_FOUND => {}
            _ => return Err(head.refused().into()),
        }

        let mut mount_from = KNOWN_BLOBS.lock().ok().and_then(|known| {
            known
                .get(&(self.registry.clone(), blob.digest))
                .filter(|repo| repo.as_str() != name.as_str())
                .cloned()
        });
        let mut chunk_size = self.next_chunk_size();
        loop {
            match self.upload(name, blob, mount_from.take().as_deref(), chunk_size)? {
                Upload::Done => return Ok(()),
                Upload::TooLarge { bytes, reply } => {
                    // The refused session is abandoned; a new one sends smaller requests.
                    let smaller = (bytes / 2).min(DEFAULT_CHUNK_SIZE);
                    if smaller < MIN_CHUNK_SIZE {
                        return Err(reply.refused().into());
                    }
                    let _ = self.learned_chunk_size.fetch_update(
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                        |known| (known == 0 || smaller < known).then_some(smaller),
                    );
                    chunk_size = Some(smaller);
                }
            }
        }
    }

    /// The chunk size for the next blob: the one asked for, lowered to what a 413 taught.
    fn next_chunk_size(&self) -> Option<u64> {
        match self.learned_chunk_size.load(Ordering::Relaxed) {
            0 => self.chunk_size,
            learned => Some(self.chunk_size.map_or(learned, |asked| asked.min(learned))),
        }
    }

    /// One upload session: started (or a mount), then the blob in one `PUT`, or in `PATCH`es of
    /// `chunk_size` and a closing `PUT` when it is larger.
    fn upload(
        &self,
        name: &ImageName,
        blob: &Blob<'_>,
        mount_from: Option<&str>,
        chunk_size: Option<u64>,
    ) -> Result<Upload, Failure> {
        let push = Scope::push(name.as_str());
        let mut start = self.url(&format!("v2/{name}/blobs/uploads/"))?;
        let start_scope = match mount_from {
            Some(from) => {
                start
                    .query_pairs_mut()
                    .append_pair("mount", &blob.digest.to_string())
                    .append_pair("from", from);
                Scope::push_and_mount(name.as_str(), from)
            }
            None => push.clone(),
        };
        let started = self.send_once(&Method::POST, &start, &start_scope, &|b| {
            Ok(b.header(CONTENT_LENGTH, 0).body(Vec::new()))
        })?;
        match started.status() {
            StatusCode::CREATED if mount_from.is_some() => return Ok(Upload::Done),
            StatusCode::ACCEPTED => {}
            _ => return Err(started.refused().into()),
        }
        let mut location = self.location(&started)?;

        let mut offset = 0;
        if let Some(chunk_size) = chunk_size.filter(|&c| blob.size > c) {
            while offset < blob.size {
                let len = chunk_size.min(blob.size - offset);
                let range = format!("{offset}-{}", offset + len - 1);
                let patched = self.send_once(&Method::PATCH, &location, &push, &|b| {
                    Ok(b.header(CONTENT_TYPE, "application/octet-stream")
                        .header(CONTENT_RANGE, range.as_str())
                        .body(blob.body(offset, len)?))
                })?;
                match patched.status() {
                    StatusCode::ACCEPTED => {}
                    StatusCode::PAYLOAD_TOO_LARGE => {
                        return Ok(Upload::TooLarge {
                            bytes: len,
                            reply: Box::new(patched),
                        });
                    }
                    _ => return Err(upload_failure(patched)),
                }
                location = self.location(&patched)?;
                offset += len;
            }
        }
        let mut finish = location;
        finish
            .query_pairs_mut()
            .append_pair("digest", &blob.digest.to_string());
        let remaining = blob.size - offset;
        let put = self.send_once(&Method::PUT, &finish, &push, &|b| {
            Ok(b.header(CONTENT_TYPE, "application/octet-stream")
                .body(blob.body(offset, remaining)?))
        })?;
        match put.status() {
            StatusCode::CREATED => Ok(Upload::Done),
            StatusCode::PAYLOAD_TOO_LARGE => Ok(Upload::TooLarge {
                bytes: remaining,
                reply: Box::new(put),
            }),
            _ => Err(upload_failure(put)),
        }
    }

    fn put_manifest(
        &self,
        name: &ImageName,
        tag: &str,
        manifest: &[u8],
        digest: Digest,
    ) -> Result<()> {
        let url = self.url(&format!("v2/{name}/manifests/{tag}"))?;
        let reply = self.send(&Method::PUT, &url, &Scope::push(name.as_str()), &|b| {
            Ok(b.header(CONTENT_TYPE, MANIFEST_MEDIA_TYPE)
                .body(manifest.to_vec()))
        })?;
        let request = reply.request().to_owned();
        let answered = reply.header("docker-content-digest").map(str::to_owned);
        reply.success()?;
        if let Some(answered) = answered
            && answered != digest.to_string()
        {
            return Err(PublishError::UnexpectedResponse {
                request,
                problem: format!("the registry stored the manifest as {answered}, not {digest}"),
                expected: EXPECTED,
            });
        }
        Ok(())
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base.join(path).map_err(|_| PublishError::InvalidName {
            kind: "registry path",
            value: path.to_owned(),
            expected: "a path under the registry's URL",
        })
    }

    /// The upload URL a registry answers with in `Location`, which may be relative.
    fn location(&self, reply: &Reply) -> Result<Url> {
        reply
            .header("location")
            .and_then(|l| self.base.join(l).ok())
            .ok_or_else(|| PublishError::UnexpectedResponse {
                request: reply.request().to_owned(),
                problem: "it gives no upload `Location`".to_owned(),
                expected: EXPECTED,
            })
    }

    /// Builds a request, authorised only when it goes to the registry itself: an upload
    /// `Location` on another host (a storage service) does not get the registry's credentials.
    fn build(
        &self,
        client: &Client,
        method: &Method,
        url: &Url,
        scope: &Scope,
        finish: &dyn Fn(RequestBuilder) -> Result<RequestBuilder>,
    ) -> Result<RequestBuilder> {
        let builder = client.request(method.clone(), url.clone());
        let builder = if url.origin() == self.base.origin() {
            self.auth.authorize(builder, scope)
        } else {
            builder
        };
        finish(builder)
    }

    /// Sends with retries, answering one authentication challenge.
    fn send(
        &self,
        method: &Method,
        url: &Url,
        scope: &Scope,
        finish: &dyn Fn(RequestBuilder) -> Result<RequestBuilder>,
    ) -> Result<Reply> {
        let make = |client: &Client| self.build(client, method, url, scope, finish);
        let reply = self.http.send(make)?;
        if self.auth.answer(&reply, scope, &self.http)? {
            return self.http.send(make);
        }
        Ok(reply)
    }

    /// Sends once, answering one authentication challenge: a step of a blob upload.
    fn send_once(
        &self,
        method: &Method,
        url: &Url,
        scope: &Scope,
        finish: &dyn Fn(RequestBuilder) -> Result<RequestBuilder>,
    ) -> Result<Reply, Failure> {
        let reply =
            self.http
                .send_once(self.build(self.http.client(), method, url, scope, finish)?)?;
        if self.auth.answer(&reply, scope, &self.http)? {
            return self.http.send_once(self.build(
                self.http.client(),
                method,
                url,
                scope,
                finish,
            )?);
        }
        Ok(reply)
    }
}

/// For requests that need nothing beyond authorisation.
#[allow(clippy::unnecessary_wraps)]
fn as_is(builder: RequestBuilder) -> Result<RequestBuilder> {
    Ok(builder)
}

/// A refused step of an upload session: an unknown upload (the registry restarted and forgot
/// it) is worth starting again; anything else is an error.
fn upload_failure(reply: Reply) -> Failure {
    if reply.status() == StatusCode::NOT_FOUND {
        let (request, cause) = reply.status_and_message();
        return Failure::Transient {
            request,
            cause,
            retry_after: None,
        };
    }
    reply.refused().into()
}

#[derive(serde::Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// The target of the `rel="next"` link of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"" || p.trim() == "rel=next");
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_owned())
    })
}

impl ImageTarget for RegistryImageTarget {
    fn push(&self, name: &ImageName, image: &BuiltImage, tags: &[Tag]) -> Result<Published> {
        let first = tags.first().ok_or_else(|| PublishError::NoTags {
            image: name.to_string(),
        })?;
        let mut blobs: Vec<Blob<'_>> = image
            .layers()
            .iter()
            .map(|layer| Blob {
                digest: layer.digest,
                size: layer.size,
                content: Content::File(&layer.path),
            })
            .collect();
        blobs.push(Blob {
            digest: image.config_digest(),
            size: image.config().len() as u64,
            content: Content::Bytes(image.config()),
        });
        let (digest, outcome) = self.push_artifact(name, image.manifest(), &blobs, tags)?;
        Ok(Published {
            kind: ArtifactKind::Image,
            name: name.to_string(),
            version: first.name().to_owned(),
            digest,
            location: self.reference(name, first.name()),
            tags: tags.iter().map(|t| t.name().to_owned()).collect(),
            outcome,
        })
    }

    fn tags(&self, name: &ImageName) -> Result<Vec<String>> {
        Ok(self
            .tags_if_changed(name, None)?
            .map(|(tags, _)| tags)
            .unwrap_or_default())
    }

    fn digest(&self, name: &ImageName, tag: &str) -> Result<Option<Digest>> {
        let url = self.url(&format!("v2/{name}/manifests/{tag}"))?;
        let reply = self.send(&Method::HEAD, &url, &Scope::pull(name.as_str()), &|b| {
            Ok(b.header(ACCEPT, MANIFEST_ACCEPT))
        })?;
        match reply.status() {
            StatusCode::NOT_FOUND => return Ok(None),
            s if s.is_success() => {}
            _ => return Err(reply.refused()),
        }
        if let Some(digest) = reply
            .header("docker-content-digest")
            .and_then(|d| d.parse().ok())
        {
            return Ok(Some(digest));
        }
        // Not every registry sends the digest header; the manifest's own bytes tell it.
        Ok(self
            .manifest(name, tag)?
            .map(|(_, bytes)| Digest::of_bytes(&bytes)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::http::fake_server::{FakeServer, response};
    use crate::http::{HttpPolicy, RetryPolicy};

    fn target(address: &str, credentials: Credentials) -> RegistryImageTarget {
        let http = HttpClient::new(HttpPolicy {
            retry: RetryPolicy {
                attempts: 2,
                base_delay: Duration::from_millis(1),
                ..HttpPolicy::default().retry
            },
            ..HttpPolicy::default()
        })
        .unwrap();
        RegistryImageTarget::new(address, true, credentials, http).unwrap()
    }

    #[test]
    fn follows_the_bearer_token_flow_with_the_credentials() {
        let server = FakeServer::bind();
        let address = server.address.clone();
        let digest = Digest::of_bytes(b"manifest");
        let challenge = format!(
            r#"Bearer realm="http://{address}/token",service="fake",scope="repository:team/app:pull""#
        );
        let requests = server.serve(vec![
            response("401 Unauthorized", &[("www-authenticate", &challenge)], ""),
            response("200 OK", &[], r#"{"token":"t0ken","expires_in":60}"#),
            response(
                "200 OK",
                &[("docker-content-digest", &digest.to_string())],
                "",
            ),
        ]);
        let credentials = Credentials::Basic {
            username: "ci".to_owned(),
            password: "pw".to_owned(),
        };
        let name = ImageName::new("team/app").unwrap();
        let found = target(&address, credentials)
            .digest(&name, "1.0.0")
            .unwrap();
        assert_eq!(found, Some(digest));
        let requests = requests.join().unwrap();
        assert_eq!(
            requests[0].line,
            "HEAD /v2/team/app/manifests/1.0.0 HTTP/1.1"
        );
        assert_eq!(requests[0].header("authorization"), None);
        assert_eq!(
            requests[1].line,
            "GET /token?service=fake&scope=repository%3Ateam%2Fapp%3Apull HTTP/1.1"
        );
        // base64("ci:pw")
        assert_eq!(requests[1].header("authorization"), Some("Basic Y2k6cHc="));
        assert_eq!(requests[2].header("authorization"), Some("Bearer t0ken"));
        assert!(
            requests[2]
                .header("accept")
                .unwrap()
                .contains(MANIFEST_MEDIA_TYPE)
        );
    }

    #[test]
    fn tag_listing_reports_no_change_for_a_matching_etag() {
        let server = FakeServer::bind();
        let address = server.address.clone();
        let requests = server.serve(vec![
            response(
                "200 OK",
                &[("etag", "\"v1\"")],
                r#"{"name":"app","tags":["b","a"]}"#,
            ),
            response("304 Not Modified", &[], ""),
        ]);
        let target = target(&address, Credentials::Anonymous);
        let name = ImageName::new("app").unwrap();
        let (tags, etag) = target.tags_if_changed(&name, None).unwrap().unwrap();
        assert_eq!(tags, ["a", "b"]);
        assert_eq!(etag.as_deref(), Some("\"v1\""));
        assert_eq!(
            target.tags_if_changed(&name, etag.as_deref()).unwrap(),
            None
        );
        let requests = requests.join().unwrap();
        assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));
        assert!(requests[0].body.is_empty());
    }

    #[test]
    fn follows_only_the_next_link() {
        assert_eq!(
            next_link(r#"</v2/a/tags/list?last=b&n=2>; rel="next""#).as_deref(),
            Some("/v2/a/tags/list?last=b&n=2")
        );
        assert_eq!(
            next_link(r#"<https://x/prev>; rel="prev", <https://x/next>; rel="next""#).as_deref(),
            Some("https://x/next")
        );
        assert_eq!(next_link(r#"</x>; rel="prev""#), None);
    }

    /// Runs `try_push_blob` of a blob of `size` bytes against the canned `responses`.
    fn push_bytes(
        target: &RegistryImageTarget,
        server: FakeServer,
        size: usize,
        responses: Vec<String>,
    ) -> Vec<crate::http::fake_server::Recorded> {
        let bytes: Vec<u8> = (0u8..=250).cycle().take(size).collect();
        let blob = Blob {
            digest: Digest::of_bytes(&bytes),
            size: bytes.len() as u64,
            content: Content::Bytes(&bytes),
        };
        let requests = server.serve(responses);
        target
            .try_push_blob(&ImageName::new("chunks/app").unwrap(), &blob)
            .map_err(|_| "the push failed")
            .unwrap();
        requests.join().unwrap()
    }

    fn lines(requests: &[crate::http::fake_server::Recorded]) -> Vec<(String, usize)> {
        requests
            .iter()
            .map(|r| {
                let line = r.line.trim_end_matches(" HTTP/1.1");
                let line = line.split('?').next().unwrap().to_owned();
                (line, r.body.len())
            })
            .collect()
    }

    #[test]
    fn a_blob_goes_up_in_one_request_until_the_registry_refuses_it_as_too_large() {
        let server = FakeServer::bind();
        let whole = target(&server.address.clone(), Credentials::Anonymous);
        let accepted = |n: &str| response("202 Accepted", &[("location", &format!("/up/{n}"))], "");
        let requests = push_bytes(
            &whole,
            server,
            200 << 10,
            vec![
                response("404 Not Found", &[], ""),
                accepted("1"),
                response("201 Created", &[], ""),
            ],
        );
        assert_eq!(
            lines(&requests)[1..],
            [
                ("POST /v2/chunks/app/blobs/uploads/".to_owned(), 0),
                ("PUT /up/1".to_owned(), 200 << 10),
            ]
        );

        // A 413: a new session in halves, and the blobs after it go up in halves at once.
        let server = FakeServer::bind();
        let chunked = target(&server.address.clone(), Credentials::Anonymous);
        let requests = push_bytes(
            &chunked,
            server,
            (200 << 10) + 1,
            vec![
                response("404 Not Found", &[], ""),
                accepted("1"),
                response("413 Payload Too Large", &[], "too big"),
                accepted("2"),
                accepted("3"),
                accepted("4"),
                accepted("5"),
                response("201 Created", &[], ""),
            ],
        );
        assert_eq!(
            lines(&requests)[1..],
            [
                ("POST /v2/chunks/app/blobs/uploads/".to_owned(), 0),
                ("PUT /up/1".to_owned(), (200 << 10) + 1),
                ("POST /v2/chunks/app/blobs/uploads/".to_owned(), 0),
                ("PATCH /up/2".to_owned(), 100 << 10),
                ("PATCH /up/3".to_owned(), 100 << 10),
                ("PATCH /up/4".to_owned(), 1),
                ("PUT /up/5".to_owned(), 0),
            ]
        );
        assert_eq!(requests[4].header("content-range"), Some("0-102399"));
        assert_eq!(chunked.next_chunk_size(), Some(100 << 10));
    }
}
