//! The artifacts a release publishes. Development versions publish packages only (no image,
//! no chart), as the original's core libraries did; releases never move `latest` on images
//! (REFERENCE.md §A, development pre-releases and branch tagging).

use crate::fleet::Repo;
use crate::name::ImageTag;
use crate::plan::step::Step;
use crate::version::{Channel, PackageVersion, Version};

/// The packages (Python, npm) of `version`: all a development version publishes.
pub(crate) fn packages(repo: &Repo, version: Version, semver: Option<&str>) -> Vec<Step> {
    let mut steps = Vec::new();
    if let Some(python) = &repo.python {
        steps.push(Step::PublishPython {
            registry: python.registry.clone().into(),
            name: python.name.clone(),
            version: PackageVersion::new(version.pep440()),
            source: python.source.clone(),
        });
    }
    if let (Some(npm), Some(semver)) = (&repo.npm, semver) {
        steps.push(Step::PublishNpm {
            registry: npm.registry.clone().into(),
            name: npm.name.clone(),
            version: semver.into(),
            dist_tag: dist_tag(version.channel()).into(),
            directory: npm.directory.clone(),
        });
    }
    steps
}

/// Everything a release publishes: the packages, then the image (to its registry and every
/// mirror) and the chart.
pub(crate) fn release(repo: &Repo, version: Version, semver: Option<&str>) -> Vec<Step> {
    let mut steps = packages(repo, version, semver);
    if let Some(image) = &repo.image {
        for registry in std::iter::once(&image.registry).chain(&image.mirrors) {
            steps.push(Step::PublishImage {
                registry: registry.clone().into(),
                name: image.name.clone(),
                tags: vec![ImageTag::new(version.docker_tag())],
                context: image.context.clone(),
                builder: image.builder.clone(),
            });
        }
    }
    if let (Some(chart), Some(semver)) = (&repo.chart, semver) {
        steps.push(Step::PublishChart {
            registry: chart.registry.clone().into(),
            path: chart.path.clone(),
            version: semver.into(),
            app_version: PackageVersion::new(version.docker_tag()),
        });
    }
    steps
}

/// npm dist-tags: only finals and hotfixes move `latest`, so `npm install NAME` never lands on
/// a pre-release.
pub fn dist_tag(channel: Channel) -> &'static str {
    match channel {
        Channel::Final | Channel::Hotfix => "latest",
        Channel::Rc => "rc",
        Channel::Dev => "dev",
    }
}
