use std::fs;
use std::path::{Path, PathBuf};

use crate::atomic_file::AtomicFile;
use crate::npm::tarball_hashes::TarballHashes;
use crate::npm::{NpmPackage, PackageName};
use crate::reproducible_tar::{ReproducibleTar, gzip};
use crate::source_tree::{EntryKind, SourceTree};
use crate::{PublishError, Result};

/// Names npm never packs, at any depth.
const ALWAYS_IGNORED: [&str; 13] = [
    ".git",
    ".svn",
    ".hg",
    "CVS",
    "node_modules",
    ".npmrc",
    ".npmignore",
    ".gitignore",
    "package-lock.json",
    ".DS_Store",
    "npm-debug.log",
    ".lock-wscript",
    "config.gypi",
];

/// Root files npm packs even when `files` does not list them (matched case-insensitively by
/// prefix).
const ALWAYS_INCLUDED: [&str; 4] = ["readme", "license", "licence", "changelog"];

/// A directory to pack as an npm package with a given name and version.
///
/// Everything is packed except what npm never packs (`node_modules`, `.git`, `.npmrc`,
/// `package-lock.json`, …). A `files` list in `package.json` restricts the tarball to the paths
/// it names (plus `package.json`, README, LICENSE and CHANGELOG), as npm does; glob patterns in
/// it and `.npmignore` files are not interpreted.
#[derive(Debug, Clone)]
pub struct NpmSource {
    source_dir: PathBuf,
    name: PackageName,
    version: semver::Version,
    source_date_epoch: u64,
}

impl NpmSource {
    /// `version` is `SemVer` (`1.2.3-rc.1`); it and `name` replace those of the directory's
    /// `package.json` in the tarball.
    pub fn new(source_dir: impl Into<PathBuf>, name: &str, version: &str) -> Result<Self> {
        let name = PackageName::new(name)?;
        let version =
            semver::Version::parse(version).map_err(|e| PublishError::InvalidVersion {
                scheme: "SemVer",
                version: version.to_owned(),
                cause: e.to_string(),
            })?;
        Ok(Self {
            source_dir: source_dir.into(),
            name,
            version,
            source_date_epoch: 0,
        })
    }

    /// Seconds since 1970 stamped on every tarball entry, as `SOURCE_DATE_EPOCH` is.
    #[must_use]
    pub fn with_source_date_epoch(mut self, epoch: u64) -> Self {
        self.source_date_epoch = epoch;
        self
    }

    /// `<name>-<version>.tgz`, the scope's `/` written `+`.
    pub fn tarball_filename(&self) -> String {
        self.name.tarball_filename(&self.version)
    }

    /// Packs the tarball into `out_dir`.
    pub fn pack(&self, out_dir: &Path) -> Result<NpmPackage> {
        let manifest_path = self.source_dir.join("package.json");
        let manifest = self.manifest(&manifest_path)?;
        let allowed = allowed_paths(&manifest, &manifest_path)?;
        let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| PublishError::serialize("package.json", &e))?;
        manifest_bytes.push(b'\n');

        let keep = |rel: &str, is_dir: bool| {
            if rel.split('/').any(|part| ALWAYS_IGNORED.contains(&part)) {
                return false;
            }
            let Some(allowed) = &allowed else {
                return true;
            };
            if rel == "package.json" {
                return true;
            }
            if !rel.contains('/') && !is_dir {
                let lower = rel.to_ascii_lowercase();
                if ALWAYS_INCLUDED.iter().any(|p| lower.starts_with(p)) {
                    return true;
                }
            }
            allowed.iter().any(|a| {
                rel == a
                    || rel.starts_with(&format!("{a}/"))
                    || (is_dir && a.starts_with(&format!("{rel}/")))
            })
        };
        let tree = SourceTree::scan(&self.source_dir, &keep)?;

        let dest = out_dir.join(self.tarball_filename());
        let mut tar = ReproducibleTar::new(
            gzip(AtomicFile::new_in(out_dir)?),
            self.source_date_epoch,
            &dest,
        );
        for entry in tree.entries() {
            let path = format!("package/{}", entry.rel);
            match &entry.kind {
                // npm tarballs list files only; directories are implied.
                EntryKind::Dir => {}
                EntryKind::File { .. } if entry.rel == "package.json" => {
                    tar.append_bytes(&path, &manifest_bytes, false)?;
                }
                EntryKind::File { .. } => tar.append_entry(&path, entry)?,
                EntryKind::Symlink { .. } => {
                    return Err(PublishError::InvalidSource {
                        path: entry.path.clone(),
                        problem: "it is a symbolic link".to_owned(),
                        hint: "npm packages hold plain files: replace the link with the file it \
                               points to, or leave it out with `files`",
                    });
                }
            }
        }
        let file = tar
            .finish()?
            .finish()
            .map_err(|e| PublishError::io("write archive", &dest, e))?;
        file.commit(&dest)?;

        let hashes = TarballHashes::of(&dest)?;
        Ok(NpmPackage {
            name: self.name.clone(),
            version: self.version.clone(),
            tarball: dest,
            integrity: hashes.integrity(),
            shasum: hashes.shasum(),
            digest: hashes.sha256,
            size: hashes.size,
            manifest,
        })
    }

    /// The directory's `package.json` with this source's name and version.
    fn manifest(&self, path: &Path) -> Result<serde_json::Value> {
        let bytes = fs::read(path).map_err(|e| PublishError::io("read", path, e))?;
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| PublishError::InvalidSource {
                path: path.to_path_buf(),
                problem: format!("it is not valid JSON ({e})"),
                hint: "fix the package.json",
            })?;
        let Some(object) = manifest.as_object_mut() else {
            return Err(PublishError::InvalidSource {
                path: path.to_path_buf(),
                problem: "it is not a JSON object".to_owned(),
                hint: "fix the package.json",
            });
        };
        object.insert("name".to_owned(), self.name.as_str().into());
        object.insert("version".to_owned(), self.version.to_string().into());
        Ok(manifest)
    }
}

/// The `files` list of a manifest as plain relative paths, or `None` when it has none.
fn allowed_paths(manifest: &serde_json::Value, path: &Path) -> Result<Option<Vec<String>>> {
    let Some(files) = manifest.get("files") else {
        return Ok(None);
    };
    let unsupported = |problem: String| PublishError::InvalidSource {
        path: path.to_path_buf(),
        problem,
        hint: "list plain paths (files or directories) in `files`; glob patterns are not \
               supported",
    };
    let entries = files
        .as_array()
        .ok_or_else(|| unsupported("its `files` is not a list".to_owned()))?;
    entries
        .iter()
        .map(|entry| {
            let raw = entry
                .as_str()
                .ok_or_else(|| unsupported(format!("its `files` holds `{entry}`, not a path")))?;
            let clean = raw.trim_start_matches("./").trim_end_matches('/');
            if clean.is_empty()
                || clean.contains(['*', '?', '[', ']', '{', '}', '!'])
                || clean
                    .split('/')
                    .any(|part| part == ".." || part == "." || part.is_empty())
            {
                return Err(unsupported(format!(
                    "its `files` entry `{raw}` is not a plain path"
                )));
            }
            Ok(clean.to_owned())
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}
