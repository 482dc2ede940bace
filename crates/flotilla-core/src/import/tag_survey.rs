//! What a repository's tags and release branches say: how versions were spelled, the newest
//! one, and how release branches were named.

use serde::Serialize;

use crate::version::Version;

/// Tags read as versions of the scheme, and release branches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TagSurvey {
    /// Tags read as versions, as flotilla reads history (`Version::read_tag`: any accepted
    /// spelling, and the two-part `v1.13`, `v1.13-rc1`, `2.0.dev249`).
    pub version_tags: usize,
    /// Of the three-part ones (the spellings a tag template can write), how many start with `v`.
    pub with_v: usize,
    pub without_v: usize,
    /// Of those, how many use the original's hyphenated pre-releases (`v1.10.0-rc1`).
    pub hyphenated: usize,
    pub newest: Option<Version>,
    /// The tag of the newest version (its `v` spelling when both exist).
    pub newest_tag: Option<String>,
    /// The newest three-part tag, whose spelling the tag template follows: a two-part plugin
    /// or development tag (`2.0.dev249`) is read as a version but is no spelling to write.
    pub spelling_tag: Option<String>,
    /// Tags not read as versions (`latest`, `v1.12.0-beta1`), in name order.
    pub not_versions: Vec<String>,
    /// `release-x.y` and `release-x.y.z` branches, oldest first.
    pub release_branches: Vec<String>,
    /// How many numbers the newest release branch has (2 or 3).
    pub branch_parts: Option<usize>,
}

impl TagSurvey {
    pub fn of(tags: &[String], branches: &[String]) -> Self {
        let mut survey = Self::default();
        let mut newest_spelled: Option<Version> = None;
        for tag in tags {
            let Some(version) = Version::read_tag(tag) else {
                survey.not_versions.push(tag.clone());
                continue;
            };
            survey.version_tags += 1;
            let newer = survey.newest.is_none_or(|newest| version > newest);
            let same_with_v = survey.newest == Some(version) && tag.starts_with('v');
            if newer || same_with_v {
                survey.newest = Some(version);
                survey.newest_tag = Some(tag.clone());
            }
            if Version::parse(tag).is_err() {
                continue;
            }
            let newer = newest_spelled.is_none_or(|newest| version > newest);
            let same_with_v = newest_spelled == Some(version) && tag.starts_with('v');
            if newer || same_with_v {
                newest_spelled = Some(version);
                survey.spelling_tag = Some(tag.clone());
            }
            if tag.starts_with('v') {
                survey.with_v += 1;
            } else {
                survey.without_v += 1;
            }
            if tag.contains('-') {
                survey.hyphenated += 1;
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

    /// The tag template of the spelling in use: the newest three-part version's.
    pub fn tag_template(&self) -> Option<&'static str> {
        let tag = self.spelling_tag.as_deref()?;
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
        assert_eq!(survey.with_v, 3);
        assert_eq!(survey.without_v, 2);
        assert_eq!(survey.hyphenated, 1);
        assert_eq!(survey.version_tags, 7, "{:?}", survey.not_versions);
        assert_eq!(survey.newest_tag.as_deref(), Some("2.0.dev249"));
        assert_eq!(
            survey.newest.map(|v| v.to_string()).as_deref(),
            Some("2.0.0dev249")
        );
        assert_eq!(survey.spelling_tag.as_deref(), Some("1.12.2"));
        assert_eq!(survey.tag_template(), Some("{canonical}"));
        assert!(survey.mixed_spellings());
        assert_eq!(survey.release_branches, ["release-1.11.0", "release-1.12"]);
        assert_eq!(survey.branch_template(), Some("release-{x}.{y}"));
        assert!(survey.mixed_branches());
        assert_eq!(survey.not_versions, ["latest"]);
    }

    #[test]
    fn the_v_spelling_wins_a_tie() {
        let survey = TagSurvey::of(&strings(&["1.0.0", "v1.0.0"]), &[]);
        assert_eq!(survey.tag_template(), Some("v{canonical}"));
        assert_eq!(TagSurvey::of(&[], &[]).tag_template(), None);
    }
}
