use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::Version;

use crate::atomic_file::AtomicFile;
use crate::python::ProjectName;
use crate::python::dist_metadata::upload_fields;
use crate::reproducible_tar::{ReproducibleTar, gzip};
use crate::{PublishError, Result};

/// Largest sdist rewritten by [`BuiltDistributions::normalize_sdist`]; sdists are sources, a
/// few megabytes at most.
const MAX_SDIST_ENTRY: u64 = 256 << 20;

/// The wheel and the sdist that a project's own build (`python -m build`) wrote, checked
/// against the release before anything is uploaded.
#[derive(Debug, Clone)]
pub struct BuiltDistributions {
    wheel: PathBuf,
    sdist: PathBuf,
}

impl BuiltDistributions {
    /// Finds the one wheel and the one sdist in `dir` and checks that the core metadata of
    /// each (`*.dist-info/METADATA`, `PKG-INFO`) has the `Name:` `name` (PEP 503 normalised)
    /// and the `Version:` `version` (a PEP 440 version, compared in its normal form), so that
    /// both files agree with the release and with each other.
    pub fn check(dir: &Path, name: &str, version: &str) -> Result<Self> {
        let expected_name = ProjectName::new(name)?;
        let expected_version = pep440(version, dir)?;
        let mut wheels = Vec::new();
        let mut sdists = Vec::new();
        let listing = std::fs::read_dir(dir).map_err(|e| PublishError::io("list", dir, e))?;
        for entry in listing {
            let path = entry.map_err(|e| PublishError::io("list", dir, e))?.path();
            let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // The build frontend writes these extensions in lowercase, as the formats say.
            if path.extension().is_some_and(|e| e == "whl") {
                wheels.push(path);
            } else if file_name.ends_with(".tar.gz") {
                sdists.push(path);
            }
        }
        let (wheel, sdist) = match (wheels.as_slice(), sdists.as_slice()) {
            ([wheel], [sdist]) => (wheel.clone(), sdist.clone()),
            _ => {
                return Err(PublishError::BuildOutput {
                    dir: dir.to_path_buf(),
                    problem: format!(
                        "{} wheel(s) and {} sdist(s), not one of each",
                        wheels.len(),
                        sdists.len()
                    ),
                    hint: "let the build write one pure-Python project: `python -m build \
                           --wheel --sdist` of the configured source directory",
                });
            }
        };
        for (path, is_wheel) in [(&wheel, true), (&sdist, false)] {
            let fields = upload_fields(path, is_wheel)?;
            let field = |key: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or("", |(_, v)| v.as_str())
            };
            let found_name = field("name");
            let same_name = ProjectName::new(found_name)
                .is_ok_and(|n| n.normalized() == expected_name.normalized());
            if !same_name {
                return Err(PublishError::BuiltMetadataMismatch {
                    path: path.clone(),
                    field: "Name",
                    found: found_name.to_owned(),
                    expected: expected_name.to_string(),
                    hint: "set `python.name` in the manifest to the project's own name (the \
                           `name` of its setup.py or pyproject.toml)",
                });
            }
            let found_version = field("version");
            let same_version = Version::from_str(found_version)
                .is_ok_and(|v| v.to_string() == expected_version.to_string());
            if !same_version {
                return Err(PublishError::BuiltMetadataMismatch {
                    path: path.clone(),
                    field: "Version",
                    found: found_version.to_owned(),
                    expected: expected_version.to_string(),
                    hint: "let the project read its version from `PACKAGE_VERSION` or \
                           `SETUPTOOLS_SCM_PRETEND_VERSION`, a static `[project] version` in \
                           pyproject.toml, or a version file flotilla writes",
                });
            }
        }
        Ok(Self { wheel, sdist })
    }

    /// The files to upload: the wheel, then the sdist.
    pub fn files(&self) -> [PathBuf; 2] {
        [self.wheel.clone(), self.sdist.clone()]
    }

    /// Rewrites the sdist so that its bytes depend only on its content: every entry gets
    /// `epoch` as its time and owner 0:0, entries are sorted by path, and the gzip header holds
    /// no time. setuptools stamps the build's own time on the archive and on the files it
    /// generates, so a build run again (a resumed release) would otherwise make a different
    /// file under a name already published, which indexes refuse.
    pub fn normalize_sdist(&self, epoch: u64) -> Result<()> {
        let path = &self.sdist;
        let file = File::open(path).map_err(|e| PublishError::io("read", path, e))?;
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let mut entries: Vec<(String, Entry)> = Vec::new();
        let read_error = |e| PublishError::io("read archive", path, e);
        for entry in archive.entries().map_err(read_error)? {
            let mut entry = entry.map_err(read_error)?;
            let name = entry
                .path()
                .map_err(read_error)?
                .to_str()
                .ok_or_else(|| PublishError::InvalidSource {
                    path: path.clone(),
                    problem: "it holds a path that is not UTF-8".to_owned(),
                    hint: "rename the file in the project",
                })?
                .trim_end_matches('/')
                .to_owned();
            let header = entry.header();
            let kind = match header.entry_type() {
                tar::EntryType::Directory => Entry::Dir,
                tar::EntryType::Symlink => Entry::Symlink(
                    entry
                        .link_name()
                        .map_err(read_error)?
                        .and_then(|t| t.to_str().map(str::to_owned))
                        .unwrap_or_default(),
                ),
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let executable = header.mode().is_ok_and(|m| m & 0o111 != 0);
                    let mut data = Vec::new();
                    (&mut entry)
                        .take(MAX_SDIST_ENTRY)
                        .read_to_end(&mut data)
                        .map_err(read_error)?;
                    Entry::File { data, executable }
                }
                // Extended headers (`pax`, GNU long names) are read by `tar` itself.
                _ => continue,
            };
            entries.push((name, kind));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let dir = path.parent().unwrap_or(Path::new("."));
        let out = AtomicFile::new_in(dir)?;
        let mut tar = ReproducibleTar::new(gzip(out), epoch, path);
        for (name, kind) in &entries {
            match kind {
                Entry::Dir => tar.append_dir(name)?,
                Entry::File { data, executable } => tar.append_bytes(name, data, *executable)?,
                Entry::Symlink(target) => tar.append_symlink(name, target)?,
            }
        }
        let out = tar
            .finish()?
            .finish()
            .map_err(|e| PublishError::io("write archive", path, e))?;
        out.commit(path)
    }
}

/// One member of an sdist, as rewritten.
enum Entry {
    Dir,
    File { data: Vec<u8>, executable: bool },
    Symlink(String),
}

fn pep440(version: &str, dir: &Path) -> Result<Version> {
    Version::from_str(version).map_err(|e| PublishError::InvalidVersion {
        scheme: "PEP 440",
        version: version.to_owned(),
        cause: format!("{e} (checking the build in `{}`)", dir.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::PythonProject;

    /// A wheel and an sdist of `name` `version`, as a build backend would leave them.
    fn build(name: &str, version: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/pkg")).unwrap();
        std::fs::write(dir.path().join("src/pkg/__init__.py"), "X = 1\n").unwrap();
        let out = dir.path().join("dist");
        std::fs::create_dir_all(&out).unwrap();
        let project = PythonProject::new(name, version, dir.path().join("src")).unwrap();
        project.build_wheel(&out).unwrap();
        project.build_sdist(&out).unwrap();
        dir
    }

    #[test]
    fn accepts_the_release_in_any_spelling_of_name_and_version() {
        let dir = build("Spaceone.Core", "1.2.0rc1");
        let built =
            BuiltDistributions::check(&dir.path().join("dist"), "spaceone-core", "1.2.0-rc1")
                .unwrap();
        let names = built.files().map(|p| p.file_name().unwrap().to_owned());
        assert_eq!(
            names,
            [
                "spaceone_core-1.2.0rc1-py3-none-any.whl",
                "spaceone_core-1.2.0rc1.tar.gz"
            ]
        );
    }

    #[test]
    fn refuses_another_version_or_name_naming_the_file() {
        let dir = build("core", "9.9.9");
        let dist = dir.path().join("dist");
        let err = BuiltDistributions::check(&dist, "core", "1.2.0rc1")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("core-9.9.9-py3-none-any.whl` says Version `9.9.9`, not `1.2.0rc1`"),
            "{err}"
        );
        let err = BuiltDistributions::check(&dist, "other", "9.9.9")
            .unwrap_err()
            .to_string();
        assert!(err.contains("says Name `core`, not `other`"), "{err}");
    }

    #[test]
    fn wants_one_wheel_and_one_sdist() {
        let dir = build("core", "1.0");
        let dist = dir.path().join("dist");
        std::fs::remove_file(dist.join("core-1.0.tar.gz")).unwrap();
        let err = BuiltDistributions::check(&dist, "core", "1.0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("1 wheel(s) and 0 sdist(s)"), "{err}");
    }

    #[test]
    fn normalised_sdists_depend_only_on_their_content() {
        let digest = |epoch_of_build: u64| {
            let dir = tempfile::tempdir().unwrap();
            let dist = dir.path().join("dist");
            std::fs::create_dir_all(&dist).unwrap();
            // A wheel, and an sdist stamped with the build's own time, as setuptools does.
            let src = build("core", "1.0");
            std::fs::copy(
                src.path().join("dist/core-1.0-py3-none-any.whl"),
                dist.join("core-1.0-py3-none-any.whl"),
            )
            .unwrap();
            let project = PythonProject::new("core", "1.0", src.path().join("src"))
                .unwrap()
                .with_source_date_epoch(epoch_of_build);
            project.build_sdist(&dist).unwrap();
            let built = BuiltDistributions::check(&dist, "core", "1.0").unwrap();
            built.normalize_sdist(315_532_800).unwrap();
            let sdist = dist.join("core-1.0.tar.gz");
            assert_eq!(
                crate::python::dist_metadata::upload_fields(&sdist, false).unwrap()[2],
                ("version".to_owned(), "1.0".to_owned()),
                "still an sdist with its metadata"
            );
            std::fs::read(sdist).unwrap()
        };
        assert_eq!(digest(1_700_000_000), digest(1_700_000_999));
    }
}
