use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use reqwest::Url;
use reqwest::header::CONTENT_TYPE;

use crate::http::{HttpClient, base_url};
use crate::python::dist_file::DistFile;
use crate::python::dist_metadata::upload_fields;
use crate::python::multipart_form::MultipartForm;
use crate::python::remote_project_page::{RemoteFile, RemoteProjectPage};
use crate::python::{ProjectName, PythonTarget};
use crate::{ArtifactKind, Digest, Outcome, PublishError, Published, Result};

/// A package index with the legacy upload API (PyPI, TestPyPI, pypiserver, devpi, Nexus,
/// Artifactory): files are uploaded as `twine upload` does, and checked against the index's
/// simple API first.
pub struct PypiUploadTarget {
    http: HttpClient,
    upload_url: Url,
    simple_url: Url,
    credentials: Option<(String, String)>,
}

impl std::fmt::Debug for PypiUploadTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PypiUploadTarget")
            .field("upload_url", &self.upload_url.as_str())
            .field("simple_url", &self.simple_url.as_str())
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish_non_exhaustive()
    }
}

struct Upload<'a> {
    path: &'a Path,
    dist: DistFile,
    digest: Digest,
    size: u64,
    outcome: Outcome,
}

impl PypiUploadTarget {
    /// `upload_url` is the upload endpoint (`https://upload.pypi.org/legacy/`, a pypiserver's
    /// root URL), `simple_url` the index's simple API (`https://pypi.org/simple/`). Plain http
    /// is refused unless `insecure`.
    pub fn new(
        upload_url: &str,
        simple_url: &str,
        insecure: bool,
        http: HttpClient,
    ) -> Result<Self> {
        Ok(Self {
            http,
            upload_url: base_url(upload_url, insecure)?,
            simple_url: base_url(simple_url, insecure)?,
            credentials: None,
        })
    }

    /// Uploads as `username` with `password` (HTTP basic auth).
    #[must_use]
    pub fn with_password(mut self, username: &str, password: &str) -> Self {
        self.credentials = Some((username.to_owned(), password.to_owned()));
        self
    }

    /// Uploads with an API token (user `__token__`, as PyPI expects).
    #[must_use]
    pub fn with_token(self, token: &str) -> Self {
        self.with_password("__token__", token)
    }

    /// The simple API URL, the `--index-url` pip installs from.
    pub fn simple_url(&self) -> &str {
        self.simple_url.as_str()
    }

    fn page(&self, project: &ProjectName) -> Result<RemoteProjectPage> {
        RemoteProjectPage::fetch(
            &self.http,
            &self.simple_url,
            project.normalized(),
            self.credentials.as_ref(),
        )
    }

    /// The SHA-256 of a file already on the index: from its link, else by downloading it.
    fn published_digest(&self, file: &RemoteFile) -> Result<Digest> {
        if let Some(digest) = file
            .sha256
            .as_deref()
            .and_then(|hex| format!("sha256:{}", hex.to_ascii_lowercase()).parse().ok())
        {
            return Ok(digest);
        }
        let url = file.url.clone();
        let reply = self.http.send(|c| Ok(self.authorize(c.get(url.clone()))))?;
        let request = reply.request().to_owned();
        Digest::of_reader(reply.success()?)
            .map(|(digest, _)| digest)
            .map_err(|e| PublishError::Request {
                request,
                cause: e.to_string(),
            })
    }

    fn authorize(
        &self,
        builder: reqwest::blocking::RequestBuilder,
    ) -> reqwest::blocking::RequestBuilder {
        match &self.credentials {
            Some((user, password)) => builder.basic_auth(user, Some(password)),
            None => builder,
        }
    }

    fn upload_one(&self, upload: &Upload<'_>) -> Result<()> {
        let is_wheel = Path::new(&upload.dist.filename)
            .extension()
            .is_some_and(|e| e == "whl");
        let mut fields = vec![
            (":action".to_owned(), "file_upload".to_owned()),
            ("protocol_version".to_owned(), "1".to_owned()),
        ];
        let metadata = upload_fields(upload.path, is_wheel)?;
        fields.extend(
            metadata
                .into_iter()
                .filter(|(k, _)| k != "name" && k != "version"),
        );
        fields.extend([
            ("name".to_owned(), upload.dist.project.as_str().to_owned()),
            ("version".to_owned(), upload.dist.version.to_string()),
            (
                "filetype".to_owned(),
                if is_wheel { "bdist_wheel" } else { "sdist" }.to_owned(),
            ),
            ("pyversion".to_owned(), pyversion(&upload.dist.filename)),
            ("sha256_digest".to_owned(), upload.digest.hex()),
        ]);
        let form = MultipartForm::new(&fields);
        let reply = self.http.send(|c| {
            Ok(self.authorize(
                c.post(self.upload_url.clone())
                    .header(CONTENT_TYPE, form.content_type())
                    .body(form.body("content", &upload.dist.filename, upload.path, upload.size)?),
            ))
        })?;
        if reply.status().is_success() {
            return Ok(());
        }
        // An earlier attempt may have gone through before its answer was lost; the index is
        // then refusing our own file, which is success.
        let page = self.page(&upload.dist.project)?;
        if let Some(file) = page.file(&upload.dist.filename)
            && self.published_digest(file)? == upload.digest
        {
            return Ok(());
        }
        Err(reply.refused())
    }
}

/// The `pyversion` field: a wheel's Python tag, `source` for an sdist.
fn pyversion(filename: &str) -> String {
    match filename.strip_suffix(".whl") {
        Some(stem) => {
            let parts: Vec<&str> = stem.split('-').collect();
            parts[parts.len().saturating_sub(3)].to_owned()
        }
        None => "source".to_owned(),
    }
}

impl PythonTarget for PypiUploadTarget {
    fn upload(&self, files: &[PathBuf]) -> Result<Vec<Published>> {
        let mut uploads = Vec::with_capacity(files.len());
        for path in files {
            let dist = DistFile::parse(path)?;
            let (digest, size) = crate::file_digest::file_digest(path)?;
            uploads.push(Upload {
                path,
                dist,
                digest,
                size,
                outcome: Outcome::Written,
            });
        }
        // Every file is checked against the index before anything is uploaded, so a refused
        // upload changes nothing.
        let mut pages: BTreeMap<String, RemoteProjectPage> = BTreeMap::new();
        for upload in &mut uploads {
            let project = upload.dist.project.normalized().to_owned();
            if !pages.contains_key(&project) {
                let page = self.page(&upload.dist.project)?;
                pages.insert(project.clone(), page);
            }
            let page = &pages[&project];
            if let Some(file) = page.file(&upload.dist.filename) {
                let existing = self.published_digest(file)?;
                if existing != upload.digest {
                    return Err(PublishError::FileConflict {
                        filename: upload.dist.filename.clone(),
                        location: page.url.to_string(),
                        existing,
                        new: upload.digest,
                    });
                }
                upload.outcome = Outcome::Unchanged;
            }
        }
        for upload in uploads.iter().filter(|u| u.outcome == Outcome::Written) {
            self.upload_one(upload)?;
        }
        Ok(uploads
            .into_iter()
            .map(|u| Published {
                kind: ArtifactKind::Python,
                name: u.dist.project.normalized().to_owned(),
                version: u.dist.version.to_string(),
                digest: u.digest,
                location: format!("{}{}/", self.simple_url, u.dist.project.normalized()),
                tags: Vec::new(),
                outcome: u.outcome,
            })
            .collect())
    }

    fn versions(&self, project: &str) -> Result<Vec<String>> {
        Ok(self.page(&ProjectName::new(project)?)?.versions())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyversion_is_the_wheel_python_tag() {
        assert_eq!(pyversion("a-1.0-py3-none-any.whl"), "py3");
        assert_eq!(
            pyversion("a-1.0-1build-cp311-cp311-linux_x86_64.whl"),
            "cp311"
        );
        assert_eq!(pyversion("a-1.0.tar.gz"), "source");
    }
}
