//! The line a runner prints for every artifact its publish steps published (`flotilla runner
//! run-steps`), so that the orchestrator, reading the job's log, records the artifact with the
//! digest the runner computed. The orchestrator still looks each one up in its registry: a
//! line alone proves nothing.

use serde::{Deserialize, Serialize};

use crate::steps::published::Published;

/// What marks a report in a log line; GitHub prefixes job log lines with a time stamp, so the
/// marker is looked for anywhere in the line.
pub const MARKER: &str = "flotilla-artifact: ";

/// One published artifact as a runner reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactReport {
    /// The runner step that published it (`publish-image`, …).
    pub step: String,
    pub kind: flotilla_core::ArtifactKind,
    pub name: String,
    pub version: String,
    pub digest: flotilla_core::Digest,
    pub target: String,
}

impl ArtifactReport {
    pub fn new(step: &str, published: &Published) -> Self {
        Self {
            step: step.to_owned(),
            kind: published.kind,
            name: published.name.clone(),
            version: published.version.clone(),
            digest: published.digest.clone(),
            target: published.target.clone(),
        }
    }

    /// The log line: the marker, then one JSON object.
    pub fn line(&self) -> String {
        // A struct of strings always serializes.
        format!(
            "{MARKER}{}",
            serde_json::to_string(self).unwrap_or_default()
        )
    }

    /// Every report in `log`, in order; lines that only look like one are skipped.
    pub fn parse_all(log: &str) -> Vec<Self> {
        log.lines()
            .filter_map(|line| {
                let (_, json) = line.split_once(MARKER)?;
                serde_json::from_str(json.trim_end()).ok()
            })
            .collect()
    }

    pub fn published(&self) -> Published {
        Published {
            kind: self.kind,
            name: self.name.clone(),
            version: self.version.clone(),
            digest: self.digest.clone(),
            target: self.target.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_survive_the_time_stamps_of_a_job_log() {
        let published = Published {
            kind: flotilla_core::ArtifactKind::Image,
            name: "fleet/identity".into(),
            version: "1.0.0rc1".into(),
            digest: flotilla_core::Digest::from_sha256([7; 32]),
            target: "http://127.0.0.1:5000".into(),
        };
        let report = ArtifactReport::new("publish-image", &published);
        let log = format!(
            "2026-01-01T00:00:00.0000000Z building\n2026-01-01T00:00:01.0000000Z {}\n{MARKER}{{broken\n",
            report.line()
        );
        assert_eq!(ArtifactReport::parse_all(&log), vec![report]);
    }
}
