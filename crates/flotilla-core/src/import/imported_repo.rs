//! The decisions an import makes for one repository, with the evidence and the doubts.

use serde::Serialize;

use super::category_guess::{CategoryGuess, UNSORTED};
use super::evidence::Evidence;
use super::python_project::VersionSource;
use super::repo_scan::RepoScan;
use super::tag_survey::TagSurvey;
use crate::manifest::builtin;
use crate::version::Version;

/// The default tag template of every built-in category.
const DEFAULT_TAG: &str = "v{canonical}";
const DEFAULT_VERSION_FILE: &str = "VERSION";

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
    /// The version file flotilla writes.
    pub version_file: String,
    /// Whether that file exists on the default branch.
    pub version_file_found: bool,
    /// Its content's spelling, when it differs from the tags'.
    pub version_file_template: Option<String>,
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
        }
        let npm = evidence
            .npm
            .clone()
            .filter(|n| n.publishable() && publishes_npm);
        if let Some(package) = &evidence.npm {
            if let Some(why) = &package.unread {
                undecided.push(why.clone());
            }
            if npm.is_none()
                && let Some(version) = &package.version
            {
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
                tags.spelling_tag.as_deref().unwrap_or_default()
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
            version_file,
            version_file_found,
            version_file_template,
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
    for (path, _) in &found {
        if *path != chosen {
            undecided.push(format!(
                "{path} is another version file: flotilla writes only {chosen} today"
            ));
        }
    }
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
    let template = if let Ok(version) = Version::parse(content) {
        if let Some(newest) = tags.newest
            && version < newest
        {
            undecided.push(format!(
                "{chosen} on {} says {content}, older than the newest tag {}",
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
