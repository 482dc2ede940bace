use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;
use std::str::FromStr;

use pep440_rs::Version;
use serde::{Deserialize, Serialize};

use crate::atomic_file::write_atomic;
use crate::{PublishError, Result};

/// API version of the JSON pages (PEP 691, with PEP 700's `versions` and `size`).
const API_VERSION: &str = "1.1";

/// One project of a simple index, kept as its PEP 691 JSON page (`index.json`), from which the
/// PEP 503 HTML page (`index.html`) pip reads is rendered.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ProjectPage {
    meta: Meta,
    name: String,
    versions: Vec<String>,
    files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    #[serde(rename = "api-version")]
    api_version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FileEntry {
    pub(crate) filename: String,
    /// Relative to the project page.
    pub(crate) url: String,
    pub(crate) hashes: BTreeMap<String, String>,
    pub(crate) size: u64,
}

impl ProjectPage {
    /// Reads the page in `dir`, or an empty page for `name` when there is none.
    pub(crate) fn load(dir: &Path, name: &str) -> Result<Self> {
        let path = dir.join("index.json");
        match fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| PublishError::corrupt_json(&path, &e))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self {
                meta: Meta {
                    api_version: API_VERSION.to_owned(),
                },
                name: name.to_owned(),
                versions: Vec::new(),
                files: Vec::new(),
            }),
            Err(e) => Err(PublishError::io("read", path, e)),
        }
    }

    pub(crate) fn file(&self, filename: &str) -> Option<&FileEntry> {
        self.files.iter().find(|f| f.filename == filename)
    }

    pub(crate) fn versions(&self) -> &[String] {
        &self.versions
    }

    pub(crate) fn add(&mut self, entry: FileEntry, version: &Version) {
        self.files.push(entry);
        self.files.sort_by(|a, b| a.filename.cmp(&b.filename));
        let version = version.to_string();
        if !self.versions.contains(&version) {
            self.versions.push(version);
            self.versions
                .sort_by_cached_key(|v| Version::from_str(v).ok());
        }
    }

    /// Writes `index.json`, then `index.html`, both atomically.
    pub(crate) fn save(&self, dir: &Path) -> Result<()> {
        let json_path = dir.join("index.json");
        let mut json = serde_json::to_vec_pretty(self)
            .map_err(|e| PublishError::serialize("project page", &e))?;
        json.push(b'\n');
        write_atomic(&json_path, &json)?;
        let mut links = String::new();
        for f in &self.files {
            let hash = f
                .hashes
                .get("sha256")
                .map(String::as_str)
                .unwrap_or_default();
            let _ = writeln!(
                links,
                "    <a href=\"{}#sha256={}\">{}</a><br/>",
                html_escape(&f.url),
                html_escape(hash),
                html_escape(&f.filename)
            );
        }
        write_atomic(
            &dir.join("index.html"),
            page(&format!("Links for {}", self.name), &links).as_bytes(),
        )
    }
}

/// Rewrites the root page (`index.html` and `index.json`) of `simple_dir` from the project
/// directories that have a page.
pub(crate) fn save_root(simple_dir: &Path) -> Result<()> {
    let mut projects = Vec::new();
    let listing = fs::read_dir(simple_dir).map_err(|e| PublishError::io("list", simple_dir, e))?;
    for entry in listing {
        let entry = entry.map_err(|e| PublishError::io("list", simple_dir, e))?;
        if entry.path().join("index.json").is_file()
            && let Ok(name) = entry.file_name().into_string()
        {
            projects.push(name);
        }
    }
    projects.sort_unstable();
    let mut links = String::new();
    for p in &projects {
        let p = html_escape(p);
        let _ = writeln!(links, "    <a href=\"{p}/\">{p}</a><br/>");
    }
    let json = serde_json::json!({
        "meta": { "api-version": API_VERSION },
        "projects": projects.iter().map(|p| serde_json::json!({ "name": p })).collect::<Vec<_>>(),
    });
    let json_path = simple_dir.join("index.json");
    let mut json_bytes =
        serde_json::to_vec_pretty(&json).map_err(|e| PublishError::serialize("index page", &e))?;
    json_bytes.push(b'\n');
    write_atomic(&json_path, &json_bytes)?;
    write_atomic(
        &simple_dir.join("index.html"),
        page("Simple index", &links).as_bytes(),
    )
}

fn page(title: &str, body: &str) -> String {
    let title = html_escape(title);
    format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" \
         content=\"{API_VERSION}\">\n    <title>{title}</title>\n  </head>\n  <body>\n    \
         <h1>{title}</h1>\n{body}  </body>\n</html>\n"
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_versions_in_pep_440_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut page = ProjectPage::load(dir.path(), "p").unwrap();
        for v in ["1.10.0", "1.9.0", "1.10.0rc10", "1.10.0rc9", "1.10.0.dev1"] {
            let entry = FileEntry {
                filename: format!("p-{v}.tar.gz"),
                url: String::new(),
                hashes: BTreeMap::new(),
                size: 0,
            };
            page.add(entry, &Version::from_str(v).unwrap());
        }
        assert_eq!(
            page.versions(),
            ["1.9.0", "1.10.0.dev1", "1.10.0rc9", "1.10.0rc10", "1.10.0"]
        );
    }
}
