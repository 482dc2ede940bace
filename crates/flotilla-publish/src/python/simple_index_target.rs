use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::atomic_file::copy_verified;
use crate::dir_lock::DirLock;
use crate::python::dist_file::DistFile;
use crate::python::project_page::{FileEntry, ProjectPage, save_root};
use crate::python::{ProjectName, PythonTarget};
use crate::{ArtifactKind, Digest, Outcome, PublishError, Published, Result};

/// A PEP 503 simple-index directory: `<root>/simple/index.html`,
/// `<root>/simple/<project>/index.html` (with PEP 691 `index.json` beside each page) linking
/// files stored as `<root>/files/<project>/<filename>` with `#sha256=` fragments. pip installs
/// from it with `--index-url file://<root>/simple/`.
#[derive(Debug, Clone)]
pub struct SimpleIndexTarget {
    root: PathBuf,
}

impl SimpleIndexTarget {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The `--index-url` for pip: `file://<absolute root>/simple/`.
    pub fn index_url(&self) -> Result<String> {
        let root = std::path::absolute(&self.root)
            .map_err(|e| PublishError::io("resolve", &self.root, e))?;
        Ok(format!("file://{}/simple/", root.display()))
    }

    fn simple_dir(&self) -> PathBuf {
        self.root.join("simple")
    }

    fn files_dir(&self, project: &ProjectName) -> PathBuf {
        self.root.join("files").join(project.normalized())
    }
}

struct Upload<'a> {
    src: &'a Path,
    dist: DistFile,
    digest: Digest,
    size: u64,
    outcome: Outcome,
}

impl PythonTarget for SimpleIndexTarget {
    fn upload(&self, files: &[PathBuf]) -> Result<Vec<Published>> {
        let mut uploads = Vec::with_capacity(files.len());
        for src in files {
            let dist = DistFile::parse(src)?;
            let (digest, size) = crate::file_digest::file_digest(src)?;
            uploads.push(Upload {
                src,
                dist,
                digest,
                size,
                outcome: Outcome::Written,
            });
        }

        let _lock = DirLock::acquire(&self.root)?;
        let simple_dir = self.simple_dir();
        // Every file is checked against the pages before anything is written, so a refused
        // upload changes nothing.
        let mut pages: BTreeMap<String, ProjectPage> = BTreeMap::new();
        for upload in &mut uploads {
            let project = upload.dist.project.normalized().to_owned();
            let page = match pages.entry(project) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let page = ProjectPage::load(&simple_dir.join(e.key()), e.key())?;
                    e.insert(page)
                }
            };
            let filename = &upload.dist.filename;
            if let Some(existing) = page.file(filename) {
                let existing_hash = existing.hashes.get("sha256").cloned().unwrap_or_default();
                if existing_hash == upload.digest.hex() {
                    upload.outcome = Outcome::Unchanged;
                    continue;
                }
                let existing = format!("sha256:{existing_hash}").parse().map_err(|_| {
                    PublishError::CorruptTarget {
                        path: simple_dir
                            .join(upload.dist.project.normalized())
                            .join("index.json"),
                        problem: format!("the sha256 of `{filename}` is not a SHA-256 digest"),
                    }
                })?;
                return Err(PublishError::FileConflict {
                    filename: filename.clone(),
                    location: self.root.display().to_string(),
                    existing,
                    new: upload.digest,
                });
            }
            let project = upload.dist.project.normalized();
            page.add(
                FileEntry {
                    filename: filename.clone(),
                    url: format!("../../files/{project}/{filename}"),
                    hashes: BTreeMap::from([("sha256".to_owned(), upload.digest.hex())]),
                    size: upload.size,
                },
                &upload.dist.version,
            );
        }

        // Files go in before the pages link them: a crash leaves an unlisted file, which the
        // next upload overwrites, never a link to nothing.
        for upload in uploads.iter().filter(|u| u.outcome == Outcome::Written) {
            let dest = self
                .files_dir(&upload.dist.project)
                .join(&upload.dist.filename);
            copy_verified(upload.src, &dest, upload.digest)?;
        }
        let changed: Vec<&str> = uploads
            .iter()
            .filter(|u| u.outcome == Outcome::Written)
            .map(|u| u.dist.project.normalized())
            .collect();
        for (project, page) in &pages {
            if changed.contains(&project.as_str()) {
                page.save(&simple_dir.join(project))?;
            }
        }
        if !changed.is_empty() || !simple_dir.join("index.html").exists() {
            std::fs::create_dir_all(&simple_dir)
                .map_err(|e| PublishError::io("create directory", &simple_dir, e))?;
            save_root(&simple_dir)?;
        }

        Ok(uploads
            .into_iter()
            .map(|u| Published {
                kind: ArtifactKind::Python,
                name: u.dist.project.normalized().to_owned(),
                version: u.dist.version.to_string(),
                digest: u.digest,
                location: self
                    .files_dir(&u.dist.project)
                    .join(&u.dist.filename)
                    .display()
                    .to_string(),
                tags: Vec::new(),
                outcome: u.outcome,
            })
            .collect())
    }

    fn versions(&self, project: &str) -> Result<Vec<String>> {
        let name = ProjectName::new(project)?;
        let page = ProjectPage::load(
            &self.simple_dir().join(name.normalized()),
            name.normalized(),
        )?;
        Ok(page.versions().to_vec())
    }
}
