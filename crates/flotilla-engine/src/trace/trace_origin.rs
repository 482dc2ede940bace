use flotilla_store::{Id, RunStatus, TrainKind, TrainStatus};
use serde::Serialize;

/// The run that published a digest, the version tag it built and the commit under that tag,
/// and the train it was part of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceOrigin {
    pub repo: String,
    pub version: String,
    pub run_id: Id,
    pub run_status: RunStatus,
    /// The git tag of `version` (the repository's tag template); `None` for a dev build,
    /// which has no tag.
    pub tag: Option<String>,
    /// The commit the tag points at, read from the repository's remote now; `None` when the
    /// tag is not there (deleted, or the remote could not be read: see `commit_note`).
    pub commit: Option<String>,
    pub commit_note: Option<String>,
    pub train: Option<TraceTrain>,
}

/// The train a run was part of, as `flotilla release list` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceTrain {
    pub id: Id,
    pub kind: TrainKind,
    pub version: String,
    pub status: TrainStatus,
}
