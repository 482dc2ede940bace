//! What a repository's tags and release branches say: how versions were spelled, the newest
//! one, and how release branches were named. Tags are read as the rest of flotilla reads a
//! history ([`Version::read_tag`], docs/versions.md): `v1.13`, `v1.13-rc1` and `2.0.dev249` are
//! versions too.

use serde::Serialize;

use crate::version::{Stage, Version};

/// Tags read as versions of the scheme, and release branches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TagSurvey {
    /// Tags that are versions (any spelling [`Version::read_tag`] reads).
    pub version_tags: usize,
    /// Of the release tags (release candidates, finals, hotfixes), how many start with `v`.
    pub with_v: usize,
    pub without_v: usize,
    /// Development tags (`2.0.dev249`): versions, but not what a release is tagged like.
    pub dev_tags: usize,
    /// Of the version tags, how many use the original's hyphenated pre-releases (`v1.10.0-rc1`).
    pub hyphenated: usize,
    pub newest: Option<Version>,
    /// The tag of the newest version (its `v` spelling when both exist).
    pub newest_tag: Option<String>,
    /// The tag of the newest release (not a development version): the spelling releases use.
    pub newest_release_tag: Option<String>,
    /// Tags not read as versions (`latest`, `stable`), in name order.
    pub not_versions: Vec<String>,
    /// `release-x.y` and `release-x.y.z` branches, oldest first.
    pub release_branches: Vec<String>,
    /// How many numbers the newest release branch has (2 or 3).
    pub branch_parts: Option<usize>,
}

impl TagSurvey {
    pub fn of(tags: &[String], branches: &[String]) -> Self {
        let mut survey = Self::default();
        let mut newest_release: Option<Version> = None;
        for tag in tags {
            let Some(version) = Version::read_tag(tag) else {
                survey.not_versions.push(tag.clone());
                continue;
            };
            survey.version_tags += 1;
            if tag.contains('-') {
                survey.hyphenated += 1;
            }
            let newer = |newest: Option<Version>| {
                newest.is_none_or(|newest| version > newest)
                    || (newest == Some(version) && tag.starts_with('v'))
            };
            if newer(survey.newest) {
                survey.newest = Some(version);
                survey.newest_tag = Some(tag.clone());
            }
            if matches!(version.stage, Stage::Dev(_)) {
                survey.dev_tags += 1;
                continue;
            }
            if tag.starts_with('v') {
                survey.with_v += 1;
            } else {
                survey.without_v += 1;
            }
            if newer(newest_release) {
                newest_release = Some(version);
                survey.newest_release_tag = Some(tag.clone());
            }
        }
        survey.not_versions.sort();
        let mut release: Vec<(Vec<u64>, &String)> = branches
            .iter()
            .filter_map(|b| release_numbers(b).map(|n| (n, b)))
            .collect();
        release.sort();
        survey.branch_parts = release.last().map(|(numbers, _)| numbers.len());
        survey.release_branches = release.into_iter().map(|(_, b)| b.clone()).collect();
        survey
    }

    /// The tag template of the spelling in use: the newest release's, else (a history of
    /// development tags only) the newest version's.
    pub fn tag_template(&self) -> Option<&'static str> {
        let tag = self
            .newest_release_tag
            .as_deref()
            .or(self.newest_tag.as_deref())?;
        Some(if tag.starts_with('v') {
            "v{canonical}"
        } else {
            "{canonical}"
        })
    }

    /// The branch template of the newest release branch.
    pub fn branch_template(&self) -> Option<&'static str> {
        match self.branch_parts? {
            2 => Some("release-{x}.{y}"),
            _ => Some("release-{x}.{y}.{z}"),
        }
    }

    /// Whether both spellings occur.
    pub fn mixed_spellings(&self) -> bool {
        self.with_v > 0 && self.without_v > 0
    }

    /// Whether release branches of both shapes occur.
    pub fn mixed_branches(&self) -> bool {
        let parts = |n: usize| {
            self.release_branches
                .iter()
                .any(|b| release_numbers(b).is_some_and(|v| v.len() == n))
        };
        parts(2) && parts(3)
    }
}

/// `release-1.12` → `[1, 12]`, `release-1.12.19` → `[1, 12, 19]`.
fn release_numbers(branch: &str) -> Option<Vec<u64>> {
    let rest = branch.strip_prefix("release-")?;
    let numbers: Option<Vec<u64>> = rest
        .split('.')
        .map(|part| {
            (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten()
        })
        .collect();
    numbers.filter(|n| n.len() == 2 || n.len() == 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_mixed_history_is_read_broadly() {
        let survey = TagSurvey::of(
            &strings(&[
                "v1.10.4",
                "v1.11.0-rc1",
                "v1.11.0.12",
                "1.12.0",
                "1.12.2",
                "2.0.dev249",
                "v1.13",
                "latest",
            ]),
            &strings(&["master", "release-1.11.0", "release-1.12", "feature-x"]),
        );
        assert_eq!(survey.version_tags, 7, "every tag but latest");
        assert_eq!(survey.with_v, 4);
        assert_eq!(survey.without_v, 2);
        assert_eq!(survey.dev_tags, 1);
        assert_eq!(survey.hyphenated, 1);
        assert_eq!(survey.newest_tag.as_deref(), Some("2.0.dev249"));
        assert_eq!(
            survey.newest.map(|v| v.to_string()).as_deref(),
            Some("2.0.0dev249")
        );
        assert_eq!(
            survey.newest_release_tag.as_deref(),
            Some("v1.13"),
            "v1.13 is 1.13.0, newer than 1.12.2"
        );
        assert_eq!(survey.tag_template(), Some("v{canonical}"));
        assert!(survey.mixed_spellings());
        assert_eq!(survey.release_branches, ["release-1.11.0", "release-1.12"]);
        assert_eq!(survey.branch_template(), Some("release-{x}.{y}"));
        assert!(survey.mixed_branches());
        assert_eq!(survey.not_versions, ["latest"]);
    }

    #[test]
    fn a_plugin_is_at_its_two_part_tag_and_dev_tags_do_not_decide_the_spelling() {
        let plugin = TagSurvey::of(&strings(&["v1.12.1", "v1.13-rc1", "v1.13"]), &[]);
        assert_eq!(
            plugin.newest.map(|v| v.to_string()).as_deref(),
            Some("1.13.0")
        );
        assert_eq!(plugin.newest_tag.as_deref(), Some("v1.13"));
        assert!(plugin.not_versions.is_empty());
        let service = TagSurvey::of(&strings(&["v1.12.0", "2.0.dev249"]), &[]);
        assert_eq!(service.newest_tag.as_deref(), Some("2.0.dev249"));
        assert_eq!(service.tag_template(), Some("v{canonical}"));
        assert!(!service.mixed_spellings());
        let dev_only = TagSurvey::of(&strings(&["2.0.dev1"]), &[]);
        assert_eq!(dev_only.tag_template(), Some("{canonical}"));
    }

    #[test]
    fn the_v_spelling_wins_a_tie() {
        let survey = TagSurvey::of(&strings(&["1.0.0", "v1.0.0"]), &[]);
        assert_eq!(survey.tag_template(), Some("v{canonical}"));
        assert_eq!(TagSurvey::of(&[], &[]).tag_template(), None);
    }
}
