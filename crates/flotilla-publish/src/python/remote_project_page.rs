use std::path::Path;
use std::str::FromStr;

use pep440_rs::Version;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use crate::http::HttpClient;
use crate::python::dist_file::DistFile;
use crate::{PublishError, Result};

const EXPECTED: &str = "a PEP 503 simple index";

/// A project's page of a package index's simple API, read as PEP 691 JSON when the index
/// offers it, else as PEP 503 HTML.
pub(crate) struct RemoteProjectPage {
    pub(crate) url: Url,
    pub(crate) files: Vec<RemoteFile>,
    versions: Option<Vec<String>>,
}

pub(crate) struct RemoteFile {
    pub(crate) filename: String,
    pub(crate) url: Url,
    /// Hex SHA-256, when the index gives it.
    pub(crate) sha256: Option<String>,
}

#[derive(Deserialize)]
struct JsonPage {
    #[serde(default)]
    files: Vec<JsonFile>,
    #[serde(default)]
    versions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct JsonFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: std::collections::BTreeMap<String, String>,
}

impl RemoteProjectPage {
    /// Reads the page of the normalised `project` under `simple_url`; an unknown project has
    /// an empty page.
    /// `credentials` (user, password) are sent for private indexes.
    pub(crate) fn fetch(
        http: &HttpClient,
        simple_url: &Url,
        project: &str,
        credentials: Option<&(String, String)>,
    ) -> Result<Self> {
        let url =
            simple_url
                .join(&format!("{project}/"))
                .map_err(|_| PublishError::InvalidName {
                    kind: "Python project name",
                    value: project.to_owned(),
                    expected: "a PEP 503 normalised name",
                })?;
        let reply = http.send(|c| {
            let request = c.get(url.clone()).header(
                ACCEPT,
                "application/vnd.pypi.simple.v1+json, text/html;q=0.2",
            );
            Ok(match credentials {
                Some((user, password)) => request.basic_auth(user, Some(password)),
                None => request,
            })
        })?;
        if reply.status() == StatusCode::NOT_FOUND {
            return Ok(Self {
                url,
                files: Vec::new(),
                versions: None,
            });
        }
        let request = reply.request().to_owned();
        let is_json = reply
            .header(CONTENT_TYPE.as_str())
            .is_some_and(|t| t.contains("json"));
        // Redirects (`/simple/Name/` to `/simple/name/`) change the base of relative links.
        let response = reply.success()?;
        let page_url = response.url().clone();
        let body = response.text().map_err(|e| PublishError::Request {
            request: request.clone(),
            cause: e.without_url().to_string(),
        })?;
        let unexpected = |problem: String| PublishError::UnexpectedResponse {
            request: request.clone(),
            problem,
            expected: EXPECTED,
        };
        let join = |href: &str| {
            page_url
                .join(href)
                .map_err(|_| unexpected(format!("the link `{href}` is not a URL")))
        };
        let mut files = Vec::new();
        let mut versions = None;
        if is_json {
            let page: JsonPage = serde_json::from_str(&body)
                .map_err(|e| unexpected(format!("its JSON page does not parse ({e})")))?;
            for f in page.files {
                files.push(RemoteFile {
                    url: join(&f.url)?,
                    sha256: f.hashes.get("sha256").cloned(),
                    filename: f.filename,
                });
            }
            versions = page.versions;
        } else {
            for (href, text) in anchors(&body) {
                let mut url = join(&href)?;
                let sha256 = url
                    .fragment()
                    .and_then(|f| f.strip_prefix("sha256="))
                    .map(str::to_owned);
                url.set_fragment(None);
                let filename = if text.is_empty() {
                    url.path_segments()
                        .and_then(|mut s| s.next_back())
                        .unwrap_or_default()
                        .to_owned()
                } else {
                    text
                };
                files.push(RemoteFile {
                    filename,
                    url,
                    sha256,
                });
            }
        }
        Ok(Self {
            url: page_url,
            files,
            versions,
        })
    }

    pub(crate) fn file(&self, filename: &str) -> Option<&RemoteFile> {
        self.files.iter().find(|f| f.filename == filename)
    }

    /// The project's versions, PEP 440 ordered: the page's own list (PEP 700), else those of
    /// its file names.
    pub(crate) fn versions(&self) -> Vec<String> {
        let mut versions: Vec<Version> = match &self.versions {
            Some(listed) => listed
                .iter()
                .filter_map(|v| Version::from_str(v).ok())
                .collect(),
            None => self
                .files
                .iter()
                .filter_map(|f| DistFile::parse(Path::new(&f.filename)).ok())
                .map(|d| d.version)
                .collect(),
        };
        versions.sort();
        versions.dedup();
        versions.iter().map(ToString::to_string).collect()
    }
}

/// `(href, text)` of every `<a>` of an HTML page, entities decoded.
fn anchors(html: &str) -> Vec<(String, String)> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<a").map(|i| pos + i) {
        let after_tag = start + 2;
        if !lower[after_tag..].starts_with(|c: char| c.is_ascii_whitespace() || c == '>') {
            pos = after_tag;
            continue;
        }
        let Some(tag_end) = lower[after_tag..].find('>').map(|i| after_tag + i) else {
            break;
        };
        let attributes = &html[after_tag..tag_end];
        let text_end = lower[tag_end..]
            .find("</a")
            .map_or(html.len(), |i| tag_end + i);
        let text = unescape(html[tag_end + 1..text_end].trim());
        if let Some(href) = attribute(attributes, "href") {
            out.push((unescape(&href), text));
        }
        pos = text_end;
    }
    out
}

fn attribute(attributes: &str, name: &str) -> Option<String> {
    let lower = attributes.to_ascii_lowercase();
    let mut search = 0;
    while let Some(i) = lower[search..].find(name).map(|i| search + i) {
        let before_ok = i == 0 || lower.as_bytes()[i - 1].is_ascii_whitespace();
        let rest = attributes[i + name.len()..].trim_start();
        if before_ok && let Some(value) = rest.strip_prefix('=') {
            let value = value.trim_start();
            return Some(match value.chars().next() {
                Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or("").to_owned(),
                _ => value
                    .split(|c: char| c.is_ascii_whitespace())
                    .next()
                    .unwrap_or("")
                    .to_owned(),
            });
        }
        search = i + name.len();
    }
    None
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_links_of_pep_503_pages() {
        let html = "<html><body><h1>Links</h1>\n\
            <a href=\"../../packages/p-1.0.tar.gz#sha256=ab&amp;x\" data-requires-python=\"&gt;=3\">p-1.0.tar.gz</a><br>\n\
            <A HREF='/files/p-1.1-py3-none-any.whl'>p-1.1-py3-none-any.whl</A>\n\
            <abbr>not a link</abbr></body></html>";
        assert_eq!(
            anchors(html),
            [
                (
                    "../../packages/p-1.0.tar.gz#sha256=ab&x".to_owned(),
                    "p-1.0.tar.gz".to_owned()
                ),
                (
                    "/files/p-1.1-py3-none-any.whl".to_owned(),
                    "p-1.1-py3-none-any.whl".to_owned()
                ),
            ]
        );
    }
}
