use std::path::Path;
use std::str::FromStr;

use pep440_rs::Version;

use crate::python::ProjectName;
use crate::{PublishError, Result};

/// What a distribution file's name says: its project and version.
pub(crate) struct DistFile {
    pub(crate) filename: String,
    pub(crate) project: ProjectName,
    pub(crate) version: Version,
}

impl DistFile {
    /// Reads a wheel name (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`) or an
    /// sdist name (`{name}-{version}.tar.gz`).
    pub(crate) fn parse(path: &Path) -> Result<Self> {
        let not_a_dist = || PublishError::NotADistribution {
            path: path.to_path_buf(),
        };
        let filename = path
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| {
                !n.starts_with('.')
                    && n.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+' | b'!')
                    })
            })
            .ok_or_else(not_a_dist)?;
        let (name, version) = if let Some(stem) = filename.strip_suffix(".whl") {
            let parts: Vec<&str> = stem.split('-').collect();
            if !matches!(parts.len(), 5 | 6) {
                return Err(not_a_dist());
            }
            (parts[0], parts[1])
        } else if let Some(stem) = filename.strip_suffix(".tar.gz") {
            stem.rsplit_once('-').ok_or_else(not_a_dist)?
        } else {
            return Err(not_a_dist());
        };
        let project = ProjectName::new(name).map_err(|_| not_a_dist())?;
        let version = Version::from_str(version).map_err(|e| PublishError::InvalidVersion {
            scheme: "PEP 440",
            version: version.to_owned(),
            cause: format!("in the file name `{filename}`: {e}"),
        })?;
        Ok(Self {
            filename: filename.to_owned(),
            project,
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wheel_and_sdist_names() {
        let wheel =
            DistFile::parse(Path::new("/x/spaceone_core-1.2.3rc1-py3-none-any.whl")).unwrap();
        assert_eq!(wheel.project.normalized(), "spaceone-core");
        assert_eq!(wheel.version.to_string(), "1.2.3rc1");
        let sdist = DistFile::parse(Path::new("spaceone_core-1.2.3.dev1.tar.gz")).unwrap();
        assert_eq!(sdist.version.to_string(), "1.2.3.dev1");
        assert_eq!(sdist.filename, "spaceone_core-1.2.3.dev1.tar.gz");
    }

    #[test]
    fn refuses_other_files() {
        for bad in [
            "x.zip",
            "a-1.0.whl",
            "noversion.tar.gz",
            "..",
            "a b-1.0.tar.gz",
        ] {
            assert!(DistFile::parse(Path::new(bad)).is_err(), "{bad} accepted");
        }
    }
}
