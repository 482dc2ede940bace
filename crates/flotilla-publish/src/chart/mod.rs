//! Helm charts packaged natively, published to chart repositories.
//!
//! [`package`] writes the `.tgz` `helm package` would, with the release's `version` and
//! `appVersion`, reproducibly; [`package_release`] also pins the image tag in `values.yaml`
//! ([`ChartRelease`]). A chart repository is packages plus an `index.yaml`
//! ([`ChartIndex`]), which `helm repo add` reads once served: [`package_to_dir`] adds one chart
//! to a directory and its index at once; a train instead collects its packages
//! ([`PendingCharts`]), puts them in the repository ([`ChartRepoDir::add_package`]) and lists
//! them all in one index update at its end ([`ChartRepoDir::update_index`], or a commit on a git
//! branch). An OCI registry takes the same package through
//! [`crate::oci::RegistryImageTarget::push_chart`].

mod chart_index;
mod chart_published;
mod chart_release;
mod chart_repo_dir;
mod chart_source;
mod chart_values;
mod chart_yaml;
mod helm_ignore;
mod packaged_chart;
mod pending_charts;
mod vendored_dependencies;

use std::path::Path;

use crate::atomic_file::AtomicFile;
use crate::chart::chart_source::ChartSource;
use crate::dir_lock::DirLock;
use crate::hashing_writer::HashingWriter;
use crate::{Outcome, Result};

pub use chart_index::ChartIndex;
pub use chart_published::ChartPublished;
pub use chart_release::{ChartRelease, ImageTagPin};
pub use chart_repo_dir::ChartRepoDir;
pub use packaged_chart::PackagedChart;
pub use pending_charts::PendingCharts;

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
    package_release(chart_dir, &ChartRelease::new(version, app_version), out_dir)
}

/// Packages the chart in `chart_dir` as [`package`] does, with what `release` sets: `version`,
/// `appVersion` and the image tag pinned in `values.yaml` (only that value's bytes change).
///
/// Subcharts vendored under `charts/` (directories or `.tgz`) are packaged with it; a
/// dependency of `Chart.yaml` that is not vendored there is an error, as `helm package` says.
pub fn package_release(
    chart_dir: &Path,
    release: &ChartRelease,
    out_dir: &Path,
) -> Result<PackagedChart> {
    let source = ChartSource::load(chart_dir, release)?;
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
    let source = ChartSource::load(chart_dir, &ChartRelease::new(version, app_version))?;
    let _lock = DirLock::acquire(repo_root)?;
    let path = repo_root.join(source.filename());
    let (file, digest, size) = source
        .write(HashingWriter::new(AtomicFile::new_in(repo_root)?), &path)?
        .finish();
    let index_path = repo_root.join("index.yaml");
    let mut index = ChartIndex::load(&index_path)?;
    let version = source.version().to_string();

    let chart = packaged(&source, path.clone(), digest, size);
    let outcome = match index.digest_of(source.name(), &version) {
        Some(existing) if existing == digest.hex() => {
            // A package lost since its publish is restored from the identical build.
            if !path.exists() {
                file.commit(&path)?;
            }
            Outcome::Unchanged
        }
        _ => {
            let now = jiff::Timestamp::now().to_string();
            // Refuses a listed version with other content before anything is written.
            index.merge(
                std::slice::from_ref(&chart),
                &now,
                &repo_root.display().to_string(),
            )?;
            // The package goes in before the index lists it: a crash leaves an unlisted file,
            // which the next publish replaces, never an entry without its package.
            file.commit(&path)?;
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

/// The chart `name` a `Chart.yaml` declares, as a registry or an index lists the chart; `None`
/// when the text is not a chart's metadata.
pub fn chart_name(chart_yaml: &str) -> Option<String> {
    let parsed: serde_json::Value = serde_saphyr::from_str(chart_yaml).ok()?;
    parsed.get("name")?.as_str().map(str::to_owned)
}
