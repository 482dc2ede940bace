//! One concrete action of a run, with every value computed.

use serde::{Deserialize, Serialize};

use crate::name::{BranchName, DistTag, ImageTag, RegistryName, TagName};
use crate::plan::planned_command::PlannedCommand;
use crate::plan::tagged_version::TaggedVersion;
use crate::version::{Channel, PackageVersion, Version};
use crate::version_file::VersionEdit;

/// A step of a repository's run. The engine executes them in order; each is idempotent against
/// the world (it checks before it acts), so `resume` can repeat an interrupted step safely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Step {
    /// Create `branch` from `from`. An existing branch is used when it already carries `tag`
    /// (flotilla cut it) or has no commits of its own; otherwise it diverged and the step fails.
    CreateBranch {
        branch: BranchName,
        from: BranchName,
        tag: TagName,
    },
    /// Remove paths that do not stay on release branches, in a commit on the branch.
    StripPaths {
        branch: BranchName,
        paths: Vec<String>,
        message: String,
    },
    /// Write the version files on the release branch, run the pre-tag commands, and commit
    /// all of it in one commit (the release commit the tag names).
    SetVersion {
        branch: BranchName,
        file: String,
        content: String,
        message: String,
        /// The other version files.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        edits: Vec<VersionEdit>,
        /// Commands run after the files are written; what they change is committed too.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pre_tag: Vec<PlannedCommand>,
        /// Paths the release branch does not carry: never committed, whatever a command makes.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        keep_out: Vec<String>,
    },
    /// Create the annotated tag and push branch and tag atomically.
    TagAndPush {
        branch: BranchName,
        tag: TagName,
        message: String,
    },
    /// Write the version to the default branch when it is newer than the version there.
    Reflect {
        branch: BranchName,
        file: String,
        content: String,
        /// The other version files.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        edits: Vec<VersionEdit>,
        version: Version,
        /// The version in the default branch's version file when planned (the engine checks
        /// again).
        master_version: Option<Version>,
        /// The repository's newest version tag when planned (in any spelling) when it is newer
        /// than both `version` and the version file: master's version is never lower than its
        /// newest tag, with or without a version file (the engine checks again).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        newest_tag: Option<TaggedVersion>,
        message: String,
    },
    /// Run a repository command with the version in its environment.
    Run {
        name: String,
        argv: Vec<String>,
        timeout_secs: u64,
    },
    /// Build an image and push it under `tags` to a registry.
    PublishImage {
        registry: RegistryName,
        name: String,
        tags: Vec<ImageTag>,
        context: String,
        builder: Option<Vec<String>>,
    },
    /// Build an sdist and a wheel and upload them.
    PublishPython {
        registry: RegistryName,
        name: String,
        version: PackageVersion,
        source: String,
    },
    /// Pack and publish an npm package under a dist-tag.
    PublishNpm {
        registry: RegistryName,
        name: String,
        version: PackageVersion,
        dist_tag: DistTag,
        directory: String,
    },
    /// Package the chart with the release's SemVer and publish it.
    PublishChart {
        registry: RegistryName,
        path: String,
        version: PackageVersion,
        app_version: PackageVersion,
    },
    /// Notify with the run's outcome.
    Notify { channel: Option<Channel> },
}

impl Step {
    /// For a reflect step that, as planned, leaves the default branch alone: the version the
    /// branch keeps and why (its version file, or a newer tag when the file is older or
    /// missing). `None` for other steps and for a reflect that moves the branch.
    pub fn master_keeps(&self) -> Option<(Version, String)> {
        let Self::Reflect {
            version,
            master_version,
            newest_tag,
            ..
        } = self
        else {
            return None;
        };
        match (master_version, newest_tag) {
            (Some(current), _) if current >= version => Some((
                *current,
                format!("its version file is not older than {version}"),
            )),
            (_, Some(tagged)) if tagged.version > *version => Some((
                tagged.version,
                format!("tag {} is newer than {version}", tagged.tag),
            )),
            _ => None,
        }
    }

    /// The kebab-case name of the step, as shown in tables and stored with runs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateBranch { .. } => "create-branch",
            Self::StripPaths { .. } => "strip-paths",
            Self::SetVersion { .. } => "set-version",
            Self::TagAndPush { .. } => "tag-and-push",
            Self::Reflect { .. } => "reflect",
            Self::Run { .. } => "run",
            Self::PublishImage { .. } => "publish-image",
            Self::PublishPython { .. } => "publish-python",
            Self::PublishNpm { .. } => "publish-npm",
            Self::PublishChart { .. } => "publish-chart",
            Self::Notify { .. } => "notify",
        }
    }

    /// A one-line description with the concrete values.
    pub fn summary(&self) -> String {
        match self {
            Self::CreateBranch { branch, from, .. } => format!("branch {branch} from {from}"),
            Self::StripPaths { paths, .. } => format!("remove {}", paths.join(", ")),
            // The content ends with the file's newline, which has no place in a one-line row.
            Self::SetVersion {
                file,
                content,
                edits,
                pre_tag,
                ..
            } => {
                let mut line = format!("{file} = {}", content.trim_end());
                push_files(&mut line, edits);
                if !pre_tag.is_empty() {
                    let names: Vec<&str> = pre_tag.iter().map(|c| c.name.as_str()).collect();
                    line.push_str(&format!("; pre-tag: {}", names.join(", ")));
                }
                line
            }
            Self::TagAndPush { branch, tag, .. } => format!("tag {tag}, push {branch} + {tag}"),
            Self::Reflect {
                branch,
                version,
                master_version,
                edits,
                ..
            } => match (self.master_keeps(), master_version) {
                (Some((current, _)), Some(file)) if file == &current => {
                    format!("{branch} keeps {current} (not older than {version})")
                }
                (Some((current, why)), _) => format!("{branch} keeps {current} ({why})"),
                _ => {
                    let mut line = format!("{branch} takes {version}");
                    push_files(&mut line, edits);
                    line
                }
            },
            Self::Run { name, argv, .. } => format!("{name}: {}", argv.join(" ")),
            Self::PublishImage { name, tags, .. } => format!("{name}:{}", tags.join(", :")),
            Self::PublishPython { name, version, .. } => format!("{name}=={version}"),
            Self::PublishNpm {
                name,
                version,
                dist_tag,
                ..
            } => format!("{name}@{version} ({dist_tag})"),
            Self::PublishChart { path, version, .. } => format!("{path} as {version}"),
            Self::Notify { .. } => "notify".to_owned(),
        }
    }
}

/// Adds the further version files' paths to a summary, each once.
fn push_files(line: &mut String, edits: &[VersionEdit]) {
    let mut paths: Vec<&str> = Vec::new();
    for edit in edits {
        if !paths.contains(&edit.path.as_str()) {
            paths.push(&edit.path);
        }
    }
    if !paths.is_empty() {
        line.push_str(&format!(" (+ {})", paths.join(", ")));
    }
}
