use std::path::{Path, PathBuf};

use crate::atomic_file::copy_verified;
use crate::chart::chart_index::listed_digest;
use crate::chart::{ChartIndex, ChartPublished, PackagedChart};
use crate::dir_lock::DirLock;
use crate::{Digest, Outcome, PublishError, Result};

/// A Helm chart repository in a directory: the packages and the `index.yaml` listing them, as
/// `helm repo index` writes them and any static web server serves them.
///
/// Packages go in one by one ([`Self::add_package`]); the index changes once for all of them
/// ([`Self::update_index`]). The directory is locked while either runs and every file is
/// replaced atomically, so a reader never sees half a file.
#[derive(Debug, Clone)]
pub struct ChartRepoDir {
    root: PathBuf,
}

impl ChartRepoDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/index.yaml`.
    pub fn index_path(&self) -> PathBuf {
        self.root.join("index.yaml")
    }

    /// Copies a package into the repository without listing it. A version the index lists
    /// with the same package is [`Outcome::Unchanged`] (a lost file is restored); with another
    /// package it is a [`PublishError::FileConflict`] and nothing is written.
    pub fn add_package(&self, chart: &PackagedChart) -> Result<ChartPublished> {
        let _lock = DirLock::acquire(&self.root)?;
        let index = ChartIndex::load(&self.index_path())?;
        let dest = self.root.join(chart.filename());
        let version = chart.version().to_string();
        let outcome = match index.digest_of(chart.name(), &version) {
            Some(hex) if hex == chart.digest().hex() => {
                if !dest.exists() {
                    copy_verified(chart.path(), &dest, chart.digest())?;
                }
                Outcome::Unchanged
            }
            Some(hex) => {
                return Err(PublishError::FileConflict {
                    filename: chart.filename(),
                    location: self.root.display().to_string(),
                    existing: listed_digest(hex, chart)?,
                    new: chart.digest(),
                });
            }
            None => {
                copy_verified(chart.path(), &dest, chart.digest())?;
                Outcome::Written
            }
        };
        Ok(ChartPublished {
            name: chart.name().to_owned(),
            version,
            digest: chart.digest(),
            location: dest.display().to_string(),
            outcome,
        })
    }

    /// Lists every chart of `charts` the index lacks, in one atomic write of `index.yaml`
    /// stamped `time` (entries `created` at `time` too), and returns how many it added. When
    /// it adds none the file is not touched, so the same update again changes no byte. Each
    /// listed package is in the directory before the index names it.
    pub fn update_index(&self, charts: &[PackagedChart], time: &str) -> Result<usize> {
        let _lock = DirLock::acquire(&self.root)?;
        let path = self.index_path();
        let mut index = ChartIndex::load(&path)?;
        let added = index.merge(charts, time, &self.root.display().to_string())?;
        if added == 0 {
            return Ok(0);
        }
        for chart in charts {
            let dest = self.root.join(chart.filename());
            if !has_digest(&dest, chart.digest())? {
                copy_verified(chart.path(), &dest, chart.digest())?;
            }
        }
        index.save(&path, time)?;
        Ok(added)
    }
}

fn has_digest(path: &Path, digest: Digest) -> Result<bool> {
    if !path.exists() {
        return Ok(false);
    }
    Ok(crate::file_digest::file_digest(path)?.0 == digest)
}
