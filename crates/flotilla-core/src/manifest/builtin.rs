//! The defaults a manifest starts from: the seed's six categories and the local registries.

use crate::fleet::{Event, Publishes, RegistryKind};

/// A built-in category, before the manifest overrides any of it.
pub(crate) struct BuiltinCategory {
    pub name: &'static str,
    pub events: &'static [Event],
    pub publishes: Publishes,
    pub branch_template: &'static str,
    pub tag_template: &'static str,
    pub strip_paths: &'static [&'static str],
    pub dev_versions: bool,
    pub wave_order: u32,
    pub max_parallel: usize,
    /// Dropped from the repository name to form the default image name: the original pushed
    /// `plugin-aws-ec2-inven-collector` as `spaceone/aws-ec2-inven-collector` (REFERENCE.md §A,
    /// what each category published).
    pub image_prefix: Option<&'static str>,
}

const ALL_EVENTS: &[Event] = &[
    Event::Push,
    Event::ReleaseBranch,
    Event::Tag,
    Event::Reflect,
];
/// Core libraries are not built on master pushes: only released versions are consumed.
const CORE_EVENTS: &[Event] = &[Event::ReleaseBranch, Event::Tag, Event::Reflect];
const STRIP: &[&str] = &[".github"];
const BRANCH: &str = "release-{x}.{y}.{z}";
const TAG: &str = "v{canonical}";

const NOTHING: Publishes = Publishes {
    image: false,
    python: false,
    npm: false,
    chart: false,
};

// `max_parallel`: backend services (fourteen in the seed) and plugins (dozens) are many and
// independent, and the original ran backend services four at a time (REFERENCE.md §A, root
// fan-out); the other categories hold
// two to four repositories, where two at a time keeps the load on the git host and registries
// low without lengthening the train.
pub(crate) const CATEGORIES: [BuiltinCategory; 6] = [
    BuiltinCategory {
        name: "backend-core",
        events: CORE_EVENTS,
        publishes: Publishes {
            python: true,
            ..NOTHING
        },
        branch_template: BRANCH,
        tag_template: TAG,
        strip_paths: STRIP,
        dev_versions: true,
        wave_order: 0,
        max_parallel: 2,
        image_prefix: None,
    },
    BuiltinCategory {
        name: "frontend-core",
        events: CORE_EVENTS,
        publishes: Publishes {
            npm: true,
            ..NOTHING
        },
        branch_template: BRANCH,
        tag_template: TAG,
        strip_paths: STRIP,
        dev_versions: false,
        wave_order: 1,
        max_parallel: 2,
        image_prefix: None,
    },
    BuiltinCategory {
        name: "frontend",
        events: ALL_EVENTS,
        publishes: Publishes {
            image: true,
            chart: true,
            ..NOTHING
        },
        branch_template: BRANCH,
        tag_template: TAG,
        strip_paths: STRIP,
        dev_versions: false,
        wave_order: 2,
        max_parallel: 2,
        image_prefix: None,
    },
    BuiltinCategory {
        name: "backend",
        events: ALL_EVENTS,
        publishes: Publishes {
            image: true,
            python: true,
            chart: true,
            ..NOTHING
        },
        branch_template: BRANCH,
        tag_template: TAG,
        strip_paths: STRIP,
        dev_versions: false,
        wave_order: 3,
        max_parallel: 4,
        image_prefix: None,
    },
    BuiltinCategory {
        name: "plugin",
        events: ALL_EVENTS,
        publishes: Publishes {
            image: true,
            ..NOTHING
        },
        // Plugins were released by minor line: `release-x.y`.
        branch_template: "release-{x}.{y}",
        tag_template: TAG,
        strip_paths: STRIP,
        dev_versions: false,
        wave_order: 4,
        max_parallel: 4,
        image_prefix: Some("plugin-"),
    },
    BuiltinCategory {
        name: "tool",
        events: ALL_EVENTS,
        publishes: Publishes {
            image: true,
            python: true,
            ..NOTHING
        },
        branch_template: BRANCH,
        tag_template: TAG,
        strip_paths: STRIP,
        dev_versions: false,
        wave_order: 5,
        max_parallel: 2,
        image_prefix: None,
    },
];

/// What a category the manifest invents starts from: every event, no artifacts, after the
/// built-ins in a train.
pub(crate) const NEW_CATEGORY: BuiltinCategory = BuiltinCategory {
    name: "",
    events: ALL_EVENTS,
    publishes: NOTHING,
    branch_template: BRANCH,
    tag_template: TAG,
    strip_paths: STRIP,
    dev_versions: false,
    wave_order: 6,
    max_parallel: 2,
    image_prefix: None,
};

pub(crate) fn category(name: &str) -> Option<&'static BuiltinCategory> {
    CATEGORIES.iter().find(|c| c.name == name)
}

/// The embedded registries, used when the manifest declares none: standard local formats that
/// a fresh machine can publish to and install from.
pub(crate) const REGISTRIES: [(&str, RegistryKind, &str); 4] = [
    (
        "local-images",
        RegistryKind::Image,
        ".flotilla/artifacts/oci",
    ),
    ("local-pypi", RegistryKind::Pypi, ".flotilla/artifacts/pypi"),
    ("local-npm", RegistryKind::Npm, ".flotilla/artifacts/npm"),
    (
        "local-charts",
        RegistryKind::Chart,
        ".flotilla/artifacts/charts",
    ),
];

pub(crate) const DEFAULT_TIMEZONE: &str = "UTC";
pub(crate) const DEFAULT_GIT_USER_NAME: &str = "flotilla";
pub(crate) const DEFAULT_GIT_USER_EMAIL: &str = "flotilla@localhost";
pub(crate) const DEFAULT_GATE_TIMEOUT_SECS: u64 = 600;
pub(crate) const DEFAULT_IMAGE_NAMESPACE: &str = "fleet";
pub(crate) const DEFAULT_BRANCH: &str = "master";
pub(crate) const DEFAULT_VERSION_FILE: &str = "VERSION";
pub(crate) const DEFAULT_COMMAND_TIMEOUT_SECS: u64 = 600;
pub(crate) const DEFAULT_IMAGE_CONTEXT: &str = ".";
pub(crate) const DEFAULT_PYTHON_SOURCE: &str = "src";
/// The Python that runs `-m build`.
pub(crate) const DEFAULT_PYTHON_INTERPRETER: &str = "python3";
pub(crate) const DEFAULT_NPM_DIRECTORY: &str = ".";
pub(crate) const DEFAULT_CHART_PATH: &str = "deploy/helm";
/// Where the platform's charts (`deploy/helm/values.yaml`) keep the image tag.
pub(crate) const DEFAULT_CHART_IMAGE_TAG_KEY: &str = "image.version";
pub(crate) const DEFAULT_NPM_BINARY: &str = "npm";
pub(crate) const DEFAULT_DEPLOY_BRANCH: &str = "master";
pub(crate) const DEFAULT_DEPLOY_KEY: &str = "{service}.image.version";
pub(crate) const DEFAULT_HELM_RELEASE: &str = "{service}";
pub(crate) const DEFAULT_HELM_NAMESPACE: &str = "default";
