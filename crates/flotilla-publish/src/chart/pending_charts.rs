use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::chart::{ChartRelease, PackagedChart, package_release};
use crate::dir_lock::DirLock;
use crate::{PublishError, Result};

/// Chart packages waiting for their repository's index: each publish of a train packages its
/// chart here, and the train lists them all in one index update at its end
/// ([`Self::drain`]). What an update fails to list stays for the next one.
#[derive(Debug, Clone)]
pub struct PendingCharts {
    dir: PathBuf,
}

impl PendingCharts {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Packages the chart in `chart_dir` (as [`package_release`] does) into the pending set,
    /// replacing a pending package of the same name and version.
    pub fn add(&self, chart_dir: &Path, release: &ChartRelease) -> Result<PackagedChart> {
        let _lock = DirLock::acquire(&self.dir)?;
        package_release(chart_dir, release, &self.dir)
    }

    /// Calls `apply` with every pending package, sorted by file name, while no publish can add
    /// one, and removes them once it succeeds. `None` when nothing is pending (`apply` is not
    /// called).
    pub fn drain<T, E: From<PublishError>>(
        &self,
        apply: impl FnOnce(&[PackagedChart]) -> Result<T, E>,
    ) -> Result<Option<T>, E> {
        if !self.dir.is_dir() {
            return Ok(None);
        }
        let _lock = DirLock::acquire(&self.dir)?;
        let charts = self.list()?;
        if charts.is_empty() {
            return Ok(None);
        }
        let out = apply(&charts)?;
        for chart in &charts {
            match fs::remove_file(chart.path()) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(PublishError::io("remove", chart.path(), e).into()),
            }
        }
        Ok(Some(out))
    }

    fn list(&self) -> Result<Vec<PackagedChart>> {
        let entries =
            fs::read_dir(&self.dir).map_err(|e| PublishError::io("list", &self.dir, e))?;
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| PublishError::io("list", &self.dir, e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // Temporary files of writers in progress start with `.`.
            if name.ends_with(".tgz") && !name.starts_with('.') {
                paths.push(entry.path());
            }
        }
        paths.sort();
        paths.iter().map(|p| PackagedChart::read(p)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart_dir(root: &Path, name: &str) -> PathBuf {
        let dir = root.join(name);
        fs::create_dir_all(dir.join("templates")).unwrap();
        fs::write(
            dir.join("Chart.yaml"),
            format!("apiVersion: v2\nname: {name}\nversion: 0.0.0\nappVersion: \"0\"\n"),
        )
        .unwrap();
        fs::write(dir.join("templates/cm.yaml"), "kind: ConfigMap\n").unwrap();
        dir
    }

    #[test]
    fn drains_what_is_pending_once_and_keeps_it_when_the_update_fails() {
        let tmp = tempfile::tempdir().unwrap();
        let pending = PendingCharts::new(tmp.path().join("pending"));
        assert_eq!(pending.drain(|_| Ok::<_, PublishError>(())).unwrap(), None);
        let web = pending
            .add(
                &chart_dir(tmp.path(), "web"),
                &ChartRelease::new("1.2.0", "1.2.0"),
            )
            .unwrap();
        pending
            .add(
                &chart_dir(tmp.path(), "api"),
                &ChartRelease::new("1.0.0-rc.1", "1.0.0-rc.1"),
            )
            .unwrap();
        // Read back, a package says what packaging said.
        let read = PackagedChart::read(web.path()).unwrap();
        assert_eq!(read.metadata(), web.metadata());
        assert_eq!((read.digest(), read.size()), (web.digest(), web.size()));

        let failed: Result<Option<()>, PublishError> = pending.drain(|_| {
            Err(PublishError::Serialize {
                what: "test",
                cause: "refused".to_owned(),
            })
        });
        assert!(failed.is_err());

        let seen = pending
            .drain(|charts| {
                Ok::<_, PublishError>(
                    charts
                        .iter()
                        .map(|c| (c.filename(), c.app_version().to_owned(), c.digest()))
                        .collect::<Vec<_>>(),
                )
            })
            .unwrap()
            .unwrap();
        assert_eq!(
            seen,
            [
                (
                    "api-1.0.0-rc.1.tgz".to_owned(),
                    "1.0.0-rc.1".to_owned(),
                    seen[0].2
                ),
                ("web-1.2.0.tgz".to_owned(), "1.2.0".to_owned(), web.digest()),
            ]
        );
        assert_eq!(pending.drain(|_| Ok::<_, PublishError>(())).unwrap(), None);
    }
}
