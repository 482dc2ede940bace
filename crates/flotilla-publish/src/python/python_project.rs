use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::Version;

use crate::atomic_file::AtomicFile;
use crate::python::ProjectName;
use crate::python::wheel_writer::WheelWriter;
use crate::reproducible_tar::{ReproducibleTar, gzip};
use crate::source_tree::{EntryKind, SourceEntry, SourceTree};
use crate::{PublishError, Result};

/// Generator named in the wheel's `WHEEL` file.
const GENERATOR: &str = concat!("flotilla ", env!("CARGO_PKG_VERSION"));

/// Top-level directories that are a project's tooling, not import packages, when packages are
/// discovered rather than named.
const NOT_PACKAGES: [&str; 8] = [
    "build", "dist", "docs", "doc", "test", "tests", "examples", "venv",
];

/// Top-level modules that are build or test scaffolding, when modules are discovered.
const NOT_MODULES: [&str; 2] = ["setup.py", "conftest.py"];

/// A Python project to package: a source directory holding its import packages (and
/// single-file modules) at the top, and the metadata of its distribution.
///
/// Without [`PythonProject::with_top_level`], the top-level directories that contain Python
/// files are the packages (namespace packages included; `tests`, `docs`, `build`, `dist` and
/// the like excepted) and the top-level `.py` files other than `setup.py` and `conftest.py` are
/// the modules. Hidden files, `__pycache__`, `*.pyc`, `*.pyo` and `*.egg-info` are never
/// packaged.
#[derive(Debug, Clone)]
pub struct PythonProject {
    name: ProjectName,
    version: Version,
    source_dir: PathBuf,
    summary: String,
    requires_dist: Vec<String>,
    top_level: Option<Vec<String>>,
    source_date_epoch: u64,
}

/// The files of the project that go into its distributions.
struct Sources {
    entries: Vec<SourceEntry>,
    packages: Vec<String>,
    modules: Vec<String>,
}

impl PythonProject {
    /// `version` is a PEP 440 version; it is used in its normalised form (`1.2.3-rc1` becomes
    /// `1.2.3rc1`).
    pub fn new(name: &str, version: &str, source_dir: impl Into<PathBuf>) -> Result<Self> {
        let name = ProjectName::new(name)?;
        let version = Version::from_str(version).map_err(|e| PublishError::InvalidVersion {
            scheme: "PEP 440",
            version: version.to_owned(),
            cause: e.to_string(),
        })?;
        Ok(Self {
            name,
            version,
            source_dir: source_dir.into(),
            summary: String::new(),
            requires_dist: Vec::new(),
            top_level: None,
            source_date_epoch: 0,
        })
    }

    /// One line describing the project (`Summary:`).
    #[must_use]
    pub fn with_summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }

    /// PEP 508 requirements (`Requires-Dist:`), such as `spaceone-api>=1.12.0rc1`.
    #[must_use]
    pub fn with_requires_dist<S: Into<String>>(
        mut self,
        requirements: impl IntoIterator<Item = S>,
    ) -> Self {
        self.requires_dist = requirements.into_iter().map(Into::into).collect();
        self
    }

    /// Names the top-level packages (directories) and modules (`name.py` files) to package
    /// instead of discovering them.
    #[must_use]
    pub fn with_top_level<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.top_level = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Seconds since 1970 stamped on every archive entry, as `SOURCE_DATE_EPOCH` is.
    #[must_use]
    pub fn with_source_date_epoch(mut self, epoch: u64) -> Self {
        self.source_date_epoch = epoch;
        self
    }

    pub fn name(&self) -> &ProjectName {
        &self.name
    }

    /// The normalised PEP 440 version.
    pub fn version(&self) -> String {
        self.version.to_string()
    }

    /// `{name}-{version}-py3-none-any.whl`, the name normalised with `_`.
    pub fn wheel_filename(&self) -> String {
        format!(
            "{}-{}-py3-none-any.whl",
            self.name.file_prefix(),
            self.version
        )
    }

    /// `{name}-{version}.tar.gz`, the name normalised with `_` (PEP 625).
    pub fn sdist_filename(&self) -> String {
        format!("{}.tar.gz", self.sdist_base())
    }

    fn sdist_base(&self) -> String {
        format!("{}-{}", self.name.file_prefix(), self.version)
    }

    /// Builds the wheel into `out_dir` and returns its path.
    pub fn build_wheel(&self, out_dir: &Path) -> Result<PathBuf> {
        let metadata = self.core_metadata()?;
        let sources = self.sources()?;
        let dest = out_dir.join(self.wheel_filename());
        let dist_info = format!("{}-{}.dist-info", self.name.file_prefix(), self.version);
        let mut wheel = WheelWriter::create(&dest, self.source_date_epoch)?;
        for entry in &sources.entries {
            if let EntryKind::File { executable, .. } = entry.kind {
                wheel.add_file(&entry.rel, &entry.path, executable)?;
            }
        }
        wheel.add_bytes(&format!("{dist_info}/METADATA"), metadata.as_bytes())?;
        let wheel_file = format!(
            "Wheel-Version: 1.0\nGenerator: {GENERATOR}\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        );
        wheel.add_bytes(&format!("{dist_info}/WHEEL"), wheel_file.as_bytes())?;
        let mut top_level: Vec<&str> = sources
            .packages
            .iter()
            .chain(&sources.modules)
            .map(String::as_str)
            .collect();
        top_level.sort_unstable();
        let top_level = top_level.iter().fold(String::new(), |mut text, name| {
            let _ = writeln!(text, "{name}");
            text
        });
        wheel.add_bytes(&format!("{dist_info}/top_level.txt"), top_level.as_bytes())?;
        wheel.finish(&format!("{dist_info}/RECORD"))?;
        Ok(dest)
    }

    /// Builds the sdist into `out_dir` and returns its path. It holds `PKG-INFO`, a
    /// `pyproject.toml` that builds it again with setuptools, and the sources.
    pub fn build_sdist(&self, out_dir: &Path) -> Result<PathBuf> {
        let metadata = self.core_metadata()?;
        let sources = self.sources()?;
        let base = self.sdist_base();
        let dest = out_dir.join(self.sdist_filename());
        let file = AtomicFile::new_in(out_dir)?;
        let mut tar = ReproducibleTar::new(gzip(file), self.source_date_epoch, &dest);
        tar.append_dir(&base)?;
        tar.append_bytes(&format!("{base}/PKG-INFO"), metadata.as_bytes(), false)?;
        tar.append_bytes(
            &format!("{base}/pyproject.toml"),
            self.pyproject(&sources).as_bytes(),
            false,
        )?;
        for entry in &sources.entries {
            tar.append_entry(&format!("{base}/{}", entry.rel), entry)?;
        }
        let file = tar
            .finish()?
            .finish()
            .map_err(|e| PublishError::io("write archive", &dest, e))?;
        file.commit(&dest)?;
        Ok(dest)
    }

    /// Core metadata 2.1: the wheel's `METADATA` and the sdist's `PKG-INFO`.
    fn core_metadata(&self) -> Result<String> {
        let one_line = |field: &'static str, value: &str| {
            if value.contains(['\n', '\r']) {
                Err(PublishError::InvalidMetadata {
                    field,
                    value: value.to_owned(),
                    expected: "a single line",
                })
            } else {
                Ok(())
            }
        };
        one_line("summary", &self.summary)?;
        let mut text = format!(
            "Metadata-Version: 2.1\nName: {}\nVersion: {}\n",
            self.name, self.version
        );
        if !self.summary.is_empty() {
            let _ = writeln!(text, "Summary: {}", self.summary);
        }
        for requirement in &self.requires_dist {
            one_line("requirement", requirement)?;
            if requirement.trim().is_empty() {
                return Err(PublishError::InvalidMetadata {
                    field: "requirement",
                    value: requirement.clone(),
                    expected: "a PEP 508 requirement such as `spaceone-api>=1.12`",
                });
            }
            let _ = writeln!(text, "Requires-Dist: {}", requirement.trim());
        }
        Ok(text)
    }

    fn pyproject(&self, sources: &Sources) -> String {
        let list = |items: &mut dyn Iterator<Item = String>| {
            items
                .map(|s| toml_string(&s))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut text = format!(
            "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
             [project]\nname = {}\nversion = {}\ndescription = {}\ndependencies = [{}]\n\n\
             [tool.setuptools]\n",
            toml_string(self.name.as_str()),
            toml_string(&self.version.to_string()),
            toml_string(&self.summary),
            list(&mut self.requires_dist.iter().map(|r| r.trim().to_owned())),
        );
        let _ = writeln!(
            text,
            "py-modules = [{}]",
            list(&mut sources.modules.iter().cloned())
        );
        if !sources.packages.is_empty() {
            let _ = writeln!(
                text,
                "\n[tool.setuptools.packages.find]\nwhere = [\".\"]\ninclude = [{}]\n\n\
                 [tool.setuptools.package-data]\n\"*\" = [\"*\"]",
                list(
                    &mut sources
                        .packages
                        .iter()
                        .flat_map(|p| [p.clone(), format!("{p}.*")])
                )
            );
        }
        text
    }

    fn sources(&self) -> Result<Sources> {
        let explicit = self.top_level.as_deref();
        let keep = |rel: &str, is_dir: bool| {
            let name = rel.rsplit('/').next().unwrap_or(rel);
            if name.starts_with('.')
                || name == "__pycache__"
                || extension_is(name, "pyc")
                || extension_is(name, "pyo")
                || name.ends_with(".egg-info")
            {
                return false;
            }
            if rel.contains('/') {
                return true;
            }
            match explicit {
                Some(names) => names.iter().any(|n| {
                    if is_dir {
                        n == name
                    } else {
                        name.strip_suffix(".py") == Some(n.as_str())
                    }
                }),
                None if is_dir => is_identifier(name) && !NOT_PACKAGES.contains(&name),
                None => {
                    name.strip_suffix(".py").is_some_and(is_identifier)
                        && !NOT_MODULES.contains(&name)
                }
            }
        };
        let tree = SourceTree::scan(&self.source_dir, &keep)?;
        let mut packages = Vec::new();
        let mut modules = Vec::new();
        for entry in tree.entries() {
            match &entry.kind {
                EntryKind::Symlink { .. } => {
                    return Err(PublishError::InvalidSource {
                        path: entry.path.clone(),
                        problem: "it is a symbolic link".to_owned(),
                        hint: "Python distributions hold plain files: replace the link with \
                               the file it points to",
                    });
                }
                EntryKind::Dir if !entry.rel.contains('/') => packages.push(entry.rel.clone()),
                EntryKind::File { .. } if !entry.rel.contains('/') => {
                    modules.push(entry.rel.trim_end_matches(".py").to_owned());
                }
                _ => {}
            }
        }
        // A discovered directory without Python code is data or tooling, not a package.
        if explicit.is_none() {
            packages.retain(|p| {
                tree.entries().iter().any(|e| {
                    e.rel.starts_with(&format!("{p}/"))
                        && extension_is(&e.rel, "py")
                        && matches!(e.kind, EntryKind::File { .. })
                })
            });
        }
        if let Some(names) = explicit
            && let Some(missing) = names
                .iter()
                .find(|n| !packages.contains(n) && !modules.contains(n))
        {
            return Err(PublishError::InvalidSource {
                path: self.source_dir.clone(),
                problem: format!("it has no package directory or module file `{missing}`"),
                hint: "name only packages and modules found at the top of the source directory",
            });
        }
        if packages.is_empty() && modules.is_empty() {
            return Err(PublishError::InvalidSource {
                path: self.source_dir.clone(),
                problem: "it holds no Python package or module".to_owned(),
                hint: "point the project at the directory that contains its import packages \
                       (often `src`)",
            });
        }
        let entries = tree
            .entries()
            .iter()
            .filter(|e| {
                let top = e.rel.split('/').next().unwrap_or(&e.rel);
                packages.iter().any(|p| p == top)
                    || modules
                        .iter()
                        .any(|m| top.strip_suffix(".py") == Some(m.as_str()))
            })
            .cloned()
            .collect();
        Ok(Sources {
            entries,
            packages,
            modules,
        })
    }
}

/// Python's import system matches extensions case-sensitively, and so does packaging.
fn extension_is(name: &str, extension: &str) -> bool {
    Path::new(name).extension().is_some_and(|e| e == extension)
}

fn is_identifier(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A TOML basic string.
fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_toml_strings() {
        assert_eq!(toml_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
    }

    #[test]
    fn normalises_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let project = PythonProject::new("Spaceone.Core", "1.2.3-rc1", dir.path()).unwrap();
        assert_eq!(project.version(), "1.2.3rc1");
        assert_eq!(
            project.wheel_filename(),
            "spaceone_core-1.2.3rc1-py3-none-any.whl"
        );
        assert_eq!(project.sdist_filename(), "spaceone_core-1.2.3rc1.tar.gz");
        assert!(PythonProject::new("x", "1.2.3-beta-rc", dir.path()).is_err());
    }
}
