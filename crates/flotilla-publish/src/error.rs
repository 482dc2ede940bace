use std::io;
use std::path::PathBuf;

use crate::Digest;

/// Result type of every fallible operation of this crate.
pub type Result<T, E = PublishError> = std::result::Result<T, E>;

/// Everything that can go wrong while building or publishing an artifact.
///
/// Each message says what happened, where, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("could not {action} `{path}`: {cause}; check that the path exists and is accessible")]
    Io {
        action: &'static str,
        path: PathBuf,
        cause: io::Error,
    },

    #[error("invalid {kind} `{value}`: expected {expected}")]
    InvalidName {
        kind: &'static str,
        value: String,
        expected: &'static str,
    },

    #[error(
        "invalid {scheme} version `{version}`: {cause}; pass the version rendered for this ecosystem"
    )]
    InvalidVersion {
        scheme: &'static str,
        version: String,
        cause: String,
    },

    #[error(
        "chart `{chart}` depends on {missing}, found in Chart.yaml but missing in its charts/ \
         directory: vendor the subcharts (commit what `helm dependency build` writes to \
         charts/), or run `helm dependency build` in a command of the repository on the `tag` \
         event, which runs before the chart is packaged"
    )]
    ChartDependenciesMissing { chart: PathBuf, missing: String },

    #[error("invalid {field} `{value}`: expected {expected}")]
    InvalidMetadata {
        field: &'static str,
        value: String,
        expected: &'static str,
    },

    #[error("cannot package `{path}`: {problem}; {hint}")]
    InvalidSource {
        path: PathBuf,
        problem: String,
        hint: &'static str,
    },

    #[error(
        "`{path}` is not a Python distribution file: expected a wheel \
         (`name-version-py3-none-any.whl`) or an sdist (`name-version.tar.gz`)"
    )]
    NotADistribution { path: PathBuf },

    #[error(
        "`{path}` says {field} `{found}`, not `{expected}`: the project's build did not take \
         the release's {field}; nothing was uploaded. {hint}"
    )]
    BuiltMetadataMismatch {
        path: PathBuf,
        field: &'static str,
        found: String,
        expected: String,
        hint: &'static str,
    },

    #[error("the project's build left {problem} in `{dir}`; {hint}")]
    BuildOutput {
        dir: PathBuf,
        problem: String,
        hint: &'static str,
    },

    #[error("no tag given to push image `{image}`: pass at least the version tag")]
    NoTags { image: String },

    #[error(
        "tag `{tag}` of image `{image}` already points to {existing}, not {new}: release tags \
         never move; publish a new version, or mark the tag mutable if it is a moving tag such \
         as `latest`"
    )]
    TagConflict {
        /// Where the image lives: `oci:<layout dir>` or a registry repository.
        image: String,
        tag: String,
        existing: Digest,
        new: Digest,
    },

    #[error(
        "`{filename}` is already published in `{location}` with different content \
         (published {existing}, new {new}): a published file never changes; publish a new \
         version instead"
    )]
    FileConflict {
        filename: String,
        location: String,
        existing: Digest,
        new: Digest,
    },

    #[error(
        "npm package `{name}@{version}` is already published in `{location}` with different \
         content (published {existing}, new {new}): a published version never changes; publish \
         a new version instead. If this is the same release packed again (a resumed or re-run \
         train), the package's build is not reproducible: `npm pack` fixes file dates, so its \
         `prepack`/`prepare` output differs between runs (a date, a random id); make the build \
         write the same bytes from the same commit"
    )]
    NpmVersionConflict {
        name: String,
        version: String,
        location: String,
        existing: String,
        new: String,
    },

    #[error(
        "pre-release `{name}@{version}` cannot take the dist-tag `latest`: pass a pre-release \
         dist-tag such as `rc` or `dev`"
    )]
    PrereleaseAsLatest { name: String, version: String },

    #[error(
        "`{path}` changed after it was built (expected {expected}, found {actual}): build the \
         artifact again and publish the new build"
    )]
    ChangedSinceBuild {
        path: PathBuf,
        expected: Digest,
        actual: Digest,
    },

    #[error(
        "cannot push the image in `{path}`: {problem}; let the builder write one OCI image (for \
         buildah `--format oci` and `-t oci:DIR`)"
    )]
    ForeignImage { path: PathBuf, problem: String },

    #[error("`{path}` is damaged: {problem}; restore it from a backup or remove it to start over")]
    CorruptTarget { path: PathBuf, problem: String },

    #[error("could not serialise the {what}: {cause}; this is a bug in flotilla, please report it")]
    Serialize { what: &'static str, cause: String },

    #[error("could not write archive `{path}`: {cause}; check the free space and build again")]
    Archive { path: PathBuf, cause: String },

    #[error(
        "refusing plain HTTP to `{url}`: artifacts and credentials would travel unencrypted; use \
         https, or mark the registry insecure if it is a local test registry"
    )]
    PlainHttp { url: String },

    #[error("could not send {request}: {cause}; check the registry URL and credentials")]
    Request { request: String, cause: String },

    #[error("{request} was refused: {message}; {hint}")]
    Refused {
        /// Method and URL, without credentials or query.
        request: String,
        status: u16,
        /// The registry's own message, on one line and truncated.
        message: String,
        hint: &'static str,
    },

    #[error(
        "{request} was not sent: the registry answered nothing to a call of this process {ago}s \
         ago ({cause}), and flotilla does not wait on it again for {hold:?}; check that the \
         registry is up and answers, then run again: what is already published is not \
         published twice"
    )]
    Stalled {
        request: String,
        ago: u64,
        cause: String,
        hold: std::time::Duration,
    },

    #[error(
        "{request} failed {attempts} times, last with {cause}; check that the registry is up \
         and reachable, then run again: what is already published is not published twice"
    )]
    Unavailable {
        request: String,
        attempts: u32,
        cause: String,
    },

    #[error("unexpected answer to {request}: {problem}; check that the URL points at {expected}")]
    UnexpectedResponse {
        request: String,
        problem: String,
        expected: &'static str,
    },

    #[error("no usable credentials for `{registry}`: {problem}; {hint}")]
    Credentials {
        registry: String,
        problem: String,
        hint: &'static str,
    },
}

impl PublishError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, cause: io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            cause,
        }
    }

    pub(crate) fn serialize(what: &'static str, cause: &serde_json::Error) -> Self {
        Self::Serialize {
            what,
            cause: cause.to_string(),
        }
    }

    /// A JSON document that this crate wrote (or a tool that shares the format wrote) and that
    /// no longer parses.
    pub(crate) fn corrupt_json(path: impl Into<PathBuf>, cause: &serde_json::Error) -> Self {
        Self::CorruptTarget {
            path: path.into(),
            problem: format!("it is not the expected JSON document ({cause})"),
        }
    }
}
