//! The decisions an import makes for one repository, with the evidence and the doubts.

use serde::Serialize;

use super::category_guess::{CategoryGuess, UNSORTED};
use super::evidence::{Evidence, holds};
use super::found_version_file::FoundVersionFile;
use super::python_project::VersionSource;
use super::repo_scan::RepoScan;
use super::tag_survey::TagSurvey;
use crate::manifest::builtin;
use crate::version::Version;
use crate::version_file::EditField;

/// The default tag template of every built-in category.
const DEFAULT_TAG: &str = "v{canonical}";
const DEFAULT_VERSION_FILE: &str = "VERSION";
/// The chart values key flotilla pins when `chart.image_tag_key` is not set.
const DEFAULT_IMAGE_TAG_KEY: &str = "image.version";
/// The variables the Python build sets to the release's version.
const BUILD_VERSION_VARIABLES: [&str; 2] = ["PACKAGE_VERSION", "SETUPTOOLS_SCM_PRETEND_VERSION"];

/// One repository of the imported fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedRepo {
    pub name: String,
    pub remote: String,
    pub default_branch: String,
    pub category: CategoryGuess,
    /// Artifact kinds it publishes: `image`, `python`, `npm`, `chart`.
    pub artifacts: Vec<&'static str>,
    /// The Python distribution name, when it publishes one and the name was read.
    pub python_name: Option<String>,
    /// The directory of its Python build files.
    pub python_source: Option<String>,
    /// How its Python build takes the version (published or not).
    pub python_version_source: Option<VersionSource>,
    /// Where its Python build files are (published or not).
    pub python_dir: Option<String>,
    pub npm_name: Option<String>,
    pub npm_directory: Option<String>,
    pub chart_path: Option<String>,
    /// Where its chart's `values.yaml` holds the image tag, when not at the default
    /// `image.version`.
    pub chart_image_tag_key: Option<String>,
    /// The version file flotilla writes.
    pub version_file: String,
    /// Whether that file exists on the default branch.
    pub version_file_found: bool,
    /// Its content's spelling, when it differs from the tags'.
    pub version_file_template: Option<String>,
    /// The further files carrying the version (`version_files`).
    pub version_files: Vec<FoundVersionFile>,
    /// The tag spelling found (`v{canonical}` or `{canonical}`).
    pub tag_template: String,
    /// The release branch shape found, when it differs from the category's.
    pub branch_template: Option<String>,
    pub tags: TagSurvey,
    /// Repositories released before it: fleet members it requires.
    pub depends_on: Vec<String>,
    /// What the import could not decide, each with why.
    pub undecided: Vec<String>,
    pub evidence: Evidence,
}

impl ImportedRepo {
    /// Decides everything but `depends_on`, which needs the whole fleet.
    pub fn decide(scan: &RepoScan) -> Self {
        let evidence = Evidence::of(scan);
        let category = CategoryGuess::of(&scan.name, &evidence);
        let tags = TagSurvey::of(&scan.tags, &scan.branches);
        let mut undecided = Vec::new();
        if scan.work_tree {
            undecided.push(format!(
                "remote {} is a clone with a work tree: git refuses pushes to its checked-out \
                 branch; point remote at the bare repository or its hosting URL",
                scan.remote
            ));
        }
        if let Some(doubt) = &category.doubt {
            undecided.push(format!(
                "category {}: {} ({doubt})",
                category.category, category.because
            ));
        }

        // What the category publishes, where the files are: a plugin's setup.py or a
        // frontend's private package.json builds inside its image and is not published.
        let defaults = builtin::category(&category.category).map(|c| c.publishes);
        let publishes_python = defaults.is_some_and(|d| d.python);
        let publishes_npm = defaults.is_some_and(|d| d.npm);
        let mut artifacts = Vec::new();
        if evidence.dockerfile && category.category != UNSORTED {
            artifacts.push("image");
        }
        for dockerfile in &evidence.other_dockerfiles {
            undecided.push(format!(
                "{dockerfile}: a Dockerfile outside the root is not built (set image.context \
                 and an image builder if it is the image)"
            ));
        }
        let python = evidence.python.clone().filter(|_| publishes_python);
        if let Some(project) = evidence.python.as_ref().filter(|_| !publishes_python) {
            undecided.push(format!(
                "{} is not published: a {} publishes no Python package (it builds inside the \
                 image); add `python: {{}}` to publish it",
                project.file, category.category
            ));
        }
        if let Some(project) = &python {
            artifacts.push("python");
            undecided.extend(
                project
                    .unread
                    .iter()
                    .map(|why| format!("{}: {why}", project.file)),
            );
            if let VersionSource::Environment(variable) = &project.version_source
                && !BUILD_VERSION_VARIABLES.contains(&variable.as_str())
            {
                undecided.push(format!(
                    "{} reads the version from ${variable}, which the build does not set (it \
                     sets {}): read one of those",
                    project.file,
                    BUILD_VERSION_VARIABLES.join(" and ")
                ));
            }
        }
        let npm = evidence
            .npm
            .clone()
            .filter(|n| n.publishable() && publishes_npm);
        // A frontend's private package.json is built into its image: its version is the
        // release's too.
        let writes_package_json = npm.is_some() || category.category == "frontend";
        if let Some(package) = &evidence.npm {
            if let Some(why) = &package.unread {
                undecided.push(why.clone());
            }
            if !writes_package_json && let Some(version) = &package.version {
                undecided.push(format!(
                    "{} holds version {version}, which flotilla does not write (the package is \
                     not published)",
                    package.file
                ));
            }
        }
        if npm.is_some() {
            artifacts.push("npm");
        }
        let chart_path = evidence
            .chart
            .clone()
            .filter(|_| category.category != UNSORTED);
        if chart_path.is_some() {
            artifacts.push("chart");
        } else if let Some(path) = &evidence.chart {
            undecided.push(format!(
                "a chart in {path} without an image or package to release with it: not \
                 published (add `chart: {{path: {path}}}` and a category to publish it)"
            ));
        }

        let chart_image_tag_key = chart_path
            .as_ref()
            .and(evidence.chart_image.as_ref())
            .map(|(key, _)| key.clone())
            .filter(|key| key != DEFAULT_IMAGE_TAG_KEY);

        let tag_template = if let Some(template) = tags.tag_template() {
            template.to_owned()
        } else {
            undecided.push(format!(
                "no version tags: flotilla will tag {DEFAULT_TAG} (v1.2.3)"
            ));
            DEFAULT_TAG.to_owned()
        };
        if tags.mixed_spellings() {
            undecided.push(format!(
                "tags in two spellings ({} with v, {} without): tag_template {tag_template} \
                 follows the newest, {}",
                tags.with_v,
                tags.without_v,
                tags.newest_release_tag.as_deref().unwrap_or_default()
            ));
        }
        if !tags.not_versions.is_empty() {
            let sample: Vec<&str> = tags
                .not_versions
                .iter()
                .rev()
                .take(3)
                .map(String::as_str)
                .collect();
            let (count, are) = match tags.not_versions.len() {
                1 => ("1 tag".to_owned(), "is not a version"),
                n => (format!("{n} tags"), "are not versions"),
            };
            undecided.push(format!(
                "{count} {are} flotilla reads (e.g. {}): not counted as released versions",
                sample.join(", ")
            ));
        }

        let category_branch = builtin::category(&category.category)
            .map_or(builtin::NEW_CATEGORY.branch_template, |c| c.branch_template);
        let branch_template = tags
            .branch_template()
            .filter(|found| *found != category_branch)
            .map(str::to_owned);
        if tags.mixed_branches() {
            undecided.push(format!(
                "release branches of both shapes (release-x.y and release-x.y.z): \
                 branch_template {} follows the newest, {}",
                branch_template.as_deref().unwrap_or(category_branch),
                tags.release_branches.last().map_or("", String::as_str)
            ));
        }

        let (version_file, version_file_found, version_file_template) = version_file(
            scan,
            evidence.python.as_ref(),
            &tag_template,
            &tags,
            &mut undecided,
        );
        let mut version_files = other_version_files(
            scan,
            &version_file,
            version_file_template.as_deref().unwrap_or(&tag_template),
            &mut undecided,
        );
        if writes_package_json {
            version_files.extend(package_json(scan, &evidence));
        }
        version_files.extend(chart_yaml(scan, chart_path.as_deref()));
        version_files.extend(python_version(scan, &evidence, &mut undecided));
        version_files.retain(|f| f.path != version_file);

        Self {
            name: scan.name.clone(),
            remote: scan.remote.clone(),
            default_branch: scan.default_branch.clone(),
            artifacts,
            python_name: python.as_ref().and_then(|p| p.name.clone()),
            python_source: python.as_ref().map(|p| p.dir.clone()),
            python_version_source: evidence.python.as_ref().map(|p| p.version_source.clone()),
            python_dir: evidence.python.as_ref().map(|p| p.dir.clone()),
            npm_name: npm.as_ref().and_then(|n| n.name.clone()),
            npm_directory: npm.as_ref().map(|n| n.dir.clone()),
            chart_path,
            chart_image_tag_key,
            version_file,
            version_file_found,
            version_file_template,
            version_files,
            tag_template,
            branch_template,
            tags,
            depends_on: Vec::new(),
            undecided,
            category,
            evidence,
        }
    }

    pub(crate) fn publishes(&self, kind: &str) -> bool {
        self.artifacts.contains(&kind)
    }
}

/// The version file: the one the Python build reads, else `VERSION`, `src/VERSION` or another
/// `*/VERSION`; its spelling against the tags'.
fn version_file(
    scan: &RepoScan,
    python: Option<&super::python_project::PythonProject>,
    tag_template: &str,
    tags: &TagSurvey,
    undecided: &mut Vec<String>,
) -> (String, bool, Option<String>) {
    let found = scan.found("VERSION");
    let read_by_build = python.and_then(super::python_project::PythonProject::version_file);
    let preferred = ["VERSION", "src/VERSION"];
    let chosen = read_by_build.clone().or_else(|| {
        preferred
            .iter()
            .find(|p| found.iter().any(|(path, _)| path == *p))
            .map(|p| (*p).to_owned())
            .or_else(|| found.first().map(|(path, _)| (*path).to_owned()))
    });
    let Some(chosen) = chosen else {
        let newest = tags
            .newest
            .map_or_else(|| "none yet".to_owned(), |v| v.to_string());
        undecided.push(format!(
            "no version file on {}: its version is only in tags (newest {newest}); flotilla \
             will write {DEFAULT_VERSION_FILE} at release",
            scan.default_branch
        ));
        return (DEFAULT_VERSION_FILE.to_owned(), false, None);
    };
    let content = found
        .iter()
        .find(|(path, _)| *path == chosen)
        .map(|(_, text)| text.trim());
    let Some(content) = content else {
        undecided.push(format!(
            "{chosen} is read by the Python build but missing on {}: flotilla will write it \
             at release",
            scan.default_branch
        ));
        return (chosen, false, None);
    };
    let template = if let Some(version) = Version::read_tag(content) {
        if let Some(newest) = tags.newest
            && version < newest
        {
            undecided.push(format!(
                "{chosen} on {} says {content}, older than the newest tag {}: master's version \
                 is the newer, {newest}",
                scan.default_branch,
                tags.newest_tag.as_deref().unwrap_or_default()
            ));
        }
        let spelled = if content.starts_with('v') {
            "v{canonical}"
        } else {
            "{canonical}"
        };
        (spelled != tag_template).then(|| spelled.to_owned())
    } else {
        undecided.push(format!(
            "{chosen} holds {:?}, not a version: flotilla will overwrite it at release",
            content.chars().take(40).collect::<String>()
        ));
        None
    };
    (chosen, true, template)
}

/// Every `*/VERSION` but the version file, each in its own spelling.
fn other_version_files(
    scan: &RepoScan,
    version_file: &str,
    template: &str,
    undecided: &mut Vec<String>,
) -> Vec<FoundVersionFile> {
    scan.found("VERSION")
        .into_iter()
        .filter(|(path, _)| *path != version_file)
        .map(|(path, text)| {
            let content = text.trim();
            if Version::read_tag(content).is_none() {
                undecided.push(format!(
                    "{path} holds {:?}, not a version: flotilla will overwrite it at release",
                    content.chars().take(40).collect::<String>()
                ));
                return FoundVersionFile::new(path, "canonical", "another VERSION".to_owned());
            }
            let why = format!("another VERSION, now {content}");
            // `1.2.3.dev4` is PEP 440's development spelling; the canonical one is `1.2.3dev4`.
            if content.contains(".dev") {
                return FoundVersionFile::new(path, "pep440", why);
            }
            let spelled = if content.starts_with('v') {
                "v{canonical}"
            } else {
                "{canonical}"
            };
            let mut file = FoundVersionFile::new(path, "canonical", why);
            file.template = (spelled != template).then(|| spelled.to_owned());
            file
        })
        .collect()
}

/// The `package.json` of a published package or a frontend, when it holds a `"version"`.
fn package_json(scan: &RepoScan, evidence: &Evidence) -> Option<FoundVersionFile> {
    let package = evidence.npm.as_ref()?;
    let version = package.version.as_ref()?;
    let text = scan.files.get(&package.file)?;
    holds(&package.file, EditField::PackageJson, text).then(|| {
        FoundVersionFile::new(
            &package.file,
            "package.json",
            format!("its \"version\", now {version}"),
        )
    })
}

/// The chart's `Chart.yaml`: `appVersion`, and `version` too unless the chart's version is
/// bumped on its own (it is not the newest release's).
fn chart_yaml(scan: &RepoScan, chart_path: Option<&str>) -> Option<FoundVersionFile> {
    let dir = chart_path?;
    let path = if dir == "." {
        "Chart.yaml".to_owned()
    } else {
        format!("{dir}/Chart.yaml")
    };
    let text = scan.files.get(&path)?;
    let has = |key: &str| {
        holds(
            &path,
            EditField::ChartYaml {
                key: key.to_owned(),
            },
            text,
        )
    };
    let keys: Vec<&str> = [
        // The published chart carries the release's version whatever the tree says, so the
        // tagged tree says the same.
        ("version", has("version")),
        ("appVersion", has("appVersion")),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(key, _)| *key)
    .collect();
    if keys.is_empty() {
        return None;
    }
    let why = if keys.len() == 2 {
        "version and appVersion follow the releases".to_owned()
    } else if keys == ["appVersion"] {
        "appVersion only: it has no version".to_owned()
    } else {
        "version only: it has no appVersion".to_owned()
    };
    let mut file = FoundVersionFile::new(&path, "Chart.yaml", why);
    file.keys = (keys.len() < 2).then(|| keys.iter().map(|k| (*k).to_owned()).collect());
    Some(file)
}

/// The Python build's own version: the `__version__` module it reads, or a static
/// `[project] version` of its `pyproject.toml`.
fn python_version(
    scan: &RepoScan,
    evidence: &Evidence,
    undecided: &mut Vec<String>,
) -> Option<FoundVersionFile> {
    let project = evidence.python.as_ref()?;
    match &project.version_source {
        VersionSource::Module(module) => {
            if let Some(path) = &evidence.python_module {
                return Some(FoundVersionFile::new(
                    path,
                    "python",
                    format!("{} reads its __version__", project.file),
                ));
            }
            undecided.push(format!(
                "{} reads __version__ from {module}, which was not found with a `__version__ = \
                 \"…\"` line: add it to version_files (format python) if the release should \
                 write it",
                project.file
            ));
            None
        }
        VersionSource::Static(version) if project.file.ends_with("pyproject.toml") => {
            let text = scan.files.get(&project.file)?;
            holds(&project.file, EditField::Pyproject, text).then(|| {
                FoundVersionFile::new(
                    &project.file,
                    "pyproject",
                    format!("its static [project] version, now {version}"),
                )
            })
        }
        _ => None,
    }
}
