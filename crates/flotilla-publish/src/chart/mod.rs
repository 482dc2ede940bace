//! Helm charts packaged natively, published to a chart repository directory.
//!
//! [`package`] writes the `.tgz` `helm package` would, with the release's `version` and
//! `appVersion`, reproducibly. [`package_to_dir`] adds it to a chart repository directory and its
//! `index.yaml`, which `helm repo add` reads once served. An OCI registry takes the same package
//! through [`crate::oci::RegistryImageTarget::push_chart`].

mod chart_index;
mod chart_published;
mod chart_source;
mod chart_yaml;
mod helm_ignore;
mod packaged_chart;

use std::path::Path;

use serde_json::Value;

use crate::atomic_file::AtomicFile;
use crate::chart::chart_index::ChartIndex;
use crate::chart::chart_source::ChartSource;
use crate::dir_lock::DirLock;
use crate::hashing_writer::HashingWriter;
use crate::{Outcome, PublishError, Result};

pub use chart_published::ChartPublished;
pub use packaged_chart::PackagedChart;

/// Media type of a Helm chart's OCI config (its `Chart.yaml` as JSON).
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// Media type of a Helm chart's OCI layer (the `.tgz`).
pub const CONTENT_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

/// Packages the chart in `chart_dir` as `<out_dir>/<name>-<version>.tgz`, replacing any file of
/// that name.
///
/// `version` (`SemVer`) and `app_version` replace the `version` and `appVersion` values of
/// `Chart.yaml`; the rest of the file is packaged as written. Files matched by `.helmignore` are
/// left out. The same chart, version and app version always give the same bytes.
pub fn package(
    chart_dir: &Path,
    version: &str,
    app_version: &str,
    out_dir: &Path,
) -> Result<PackagedChart> {
    let source = ChartSource::load(chart_dir, version, app_version)?;
    let path = out_dir.join(source.filename());
    let (file, digest, size) = source
        .write(HashingWriter::new(AtomicFile::new_in(out_dir)?), &path)?
        .finish();
    file.commit(&path)?;
    Ok(packaged(&source, path, digest, size))
}

/// Packages the chart in `chart_dir` (as [`package`] does) into the chart repository directory
/// `repo_root`, as `<name>-<version>.tgz`, and lists it in `<repo_root>/index.yaml`.
///
/// The repository is locked while it changes and every file is replaced atomically. A version
/// already listed with the same package is [`Outcome::Unchanged`] (and nothing is written); with
/// a different package it is an error and nothing changes.
pub fn package_to_dir(
    chart_dir: &Path,
    version: &str,
    app_version: &str,
    repo_root: &Path,
) -> Result<ChartPublished> {
    let source = ChartSource::load(chart_dir, version, app_version)?;
    let _lock = DirLock::acquire(repo_root)?;
    let filename = source.filename();
    let path = repo_root.join(&filename);
    let (file, digest, size) = source
        .write(HashingWriter::new(AtomicFile::new_in(repo_root)?), &path)?
        .finish();
    let index_path = repo_root.join("index.yaml");
    let mut index = ChartIndex::load(&index_path)?;
    let version = source.version().to_string();

    let outcome = match index.digest_of(source.name(), &version) {
        Some(existing) if existing == digest.hex() => {
            // A package lost since its publish is restored from the identical build.
            if !path.exists() {
                file.commit(&path)?;
            }
            Outcome::Unchanged
        }
        Some(existing) => {
            let existing =
                format!("sha256:{existing}")
                    .parse()
                    .map_err(|_| PublishError::CorruptTarget {
                        path: index_path.clone(),
                        problem: format!("the digest of `{filename}` is not a SHA-256 digest"),
                    })?;
            return Err(PublishError::FileConflict {
                filename,
                location: repo_root.display().to_string(),
                existing,
                new: digest,
            });
        }
        None => {
            // The package goes in before the index lists it: a crash leaves an unlisted file,
            // which the next publish replaces, never an entry without its package.
            file.commit(&path)?;
            let now = jiff::Timestamp::now().to_string();
            let chart = packaged(&source, path.clone(), digest, size);
            index.add(source.name(), index_entry(&chart, &filename, &now));
            index.save(&index_path, &now)?;
            Outcome::Written
        }
    };
    Ok(ChartPublished {
        name: source.name().to_owned(),
        version,
        digest,
        location: path.display().to_string(),
        outcome,
    })
}

fn packaged(
    source: &ChartSource,
    path: std::path::PathBuf,
    digest: crate::Digest,
    size: u64,
) -> PackagedChart {
    PackagedChart {
        name: source.name().to_owned(),
        version: source.version().clone(),
        app_version: source.app_version().to_owned(),
        path,
        digest,
        size,
        metadata: source.metadata().clone(),
    }
}

/// The chart's metadata with what the index adds: `urls` (relative to the index, as
/// `helm repo index` writes them), `digest` and `created`.
fn index_entry(chart: &PackagedChart, filename: &str, now: &str) -> Value {
    let mut entry = chart.metadata().clone();
    entry.insert("urls".to_owned(), Value::from(vec![filename]));
    entry.insert("digest".to_owned(), Value::from(chart.digest().hex()));
    entry.insert("created".to_owned(), Value::from(now));
    Value::Object(entry)
}
