use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::atomic_file::copy_verified;
use crate::dir_lock::DirLock;
use crate::npm::npm_target::{check_dist_tag, superseded_tags};
use crate::npm::packument::Packument;
use crate::npm::{NpmPackage, NpmTarget, PackageName};
use crate::{ArtifactKind, Outcome, PublishError, Published, Result};

/// A directory of npm tarballs, `<root>/<name>-<version>.tgz`, with one packument per package,
/// `<root>/<name>.json` (a scope's `/` written `+` in both). `npm install <root>/<tarball>`
/// installs a package from it.
#[derive(Debug, Clone)]
pub struct NpmDirTarget {
    root: PathBuf,
}

impl NpmDirTarget {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Where the tarball of a version is stored.
    pub fn tarball_path(&self, name: &PackageName, version: &semver::Version) -> PathBuf {
        self.root.join(name.tarball_filename(version))
    }

    /// Where the packument of a package is stored.
    pub fn packument_path(&self, name: &PackageName) -> PathBuf {
        self.root.join(format!("{}.json", name.file_stem()))
    }
}

impl NpmTarget for NpmDirTarget {
    fn publish(&self, pkg: &NpmPackage, dist_tag: &str) -> Result<Published> {
        check_dist_tag(pkg, dist_tag)?;
        let _lock = DirLock::acquire(&self.root)?;
        let packument_path = self.packument_path(&pkg.name);
        let mut packument = Packument::load(&packument_path, pkg.name.as_str())?;
        let version = pkg.version.to_string();
        let tarball = self.tarball_path(&pkg.name, &pkg.version);

        let mut outcome = Outcome::Unchanged;
        match packument.integrity(&version) {
            Some(existing) if existing == pkg.integrity => {
                // A tarball lost since its publish is restored from the identical build.
                if !tarball.exists() {
                    copy_verified(&pkg.tarball, &tarball, pkg.digest)?;
                }
            }
            Some(existing) => {
                return Err(PublishError::NpmVersionConflict {
                    name: pkg.name.to_string(),
                    version,
                    location: self.root.display().to_string(),
                    existing: existing.to_owned(),
                    new: pkg.integrity.clone(),
                });
            }
            None => {
                // The tarball goes in before the packument lists it; a tarball left by a
                // crashed publish is unlisted and simply replaced.
                copy_verified(&pkg.tarball, &tarball, pkg.digest)?;
                let mut document = pkg.manifest.clone();
                if let Some(object) = document.as_object_mut() {
                    object.insert(
                        "dist".to_owned(),
                        serde_json::json!({
                            "integrity": pkg.integrity,
                            "shasum": pkg.shasum,
                            "tarball": pkg.name.tarball_filename(&pkg.version),
                        }),
                    );
                }
                packument.add_version(&version, document);
                outcome = Outcome::Written;
            }
        }
        let before = packument.dist_tags().get(dist_tag).cloned();
        let tagged = packument.advance_tag(dist_tag, &pkg.version);
        if before.as_deref() != Some(version.as_str()) && tagged {
            outcome = Outcome::Written;
        }
        // As a registry does: a package's first version is `latest`, whatever it is.
        if !packument.dist_tags().contains_key("latest") {
            packument.advance_tag("latest", &pkg.version);
            outcome = Outcome::Written;
        }
        if dist_tag == "latest" && tagged {
            for tag in superseded_tags(packument.dist_tags(), &pkg.version) {
                packument.remove_tag(&tag);
                outcome = Outcome::Written;
            }
        }
        if outcome == Outcome::Written {
            packument.save(&packument_path)?;
        }

        Ok(Published {
            kind: ArtifactKind::Npm,
            name: pkg.name.to_string(),
            version,
            digest: pkg.digest,
            location: tarball.display().to_string(),
            tags: if tagged {
                vec![dist_tag.to_owned()]
            } else {
                Vec::new()
            },
            outcome,
        })
    }

    fn versions(&self, name: &str) -> Result<Vec<String>> {
        let name = PackageName::new(name)?;
        Ok(Packument::load(&self.packument_path(&name), name.as_str())?.versions())
    }

    fn dist_tags(&self, name: &str) -> Result<BTreeMap<String, String>> {
        let name = PackageName::new(name)?;
        Ok(Packument::load(&self.packument_path(&name), name.as_str())?
            .dist_tags()
            .clone())
    }
}
