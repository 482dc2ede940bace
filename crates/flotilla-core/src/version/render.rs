//! Renderings of a [`Version`] per ecosystem. Each is a pure function; the property tests in
//! `tests/it/version_props.rs` prove which ones preserve the order.

use super::{Stage, Version};
use crate::template::Template;

/// Placeholders a tag or version-file template may use.
pub const TAG_PLACEHOLDERS: &[&str] = &["canonical", "pep440", "x", "y", "z"];
/// Placeholders a release-branch template may use: only the line, so that a line's rc, final and
/// hotfix versions share one branch.
pub const BRANCH_PLACEHOLDERS: &[&str] = &["x", "y", "z"];

/// How a repository spells a hotfix in SemVer (npm packages, Helm charts). SemVer has no
/// fourth number, and the original's `1.2.3-4` sorted *below* `1.2.3` (REFERENCE.md §A, version
/// checks), so there is no default:
/// a repository that publishes SemVer artifacts for hotfixes chooses one of these.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum HotfixSemver {
    /// `x.y.z.N` → `x.y.(z+N)`: sorts after `x.y.z` and after earlier hotfixes, and collides
    /// with a regular `x.y.(z+N)` release, so only for lines whose patch number is otherwise
    /// never raised (the seed's scheme moves `y` for new releases).
    PatchBump,
    /// `x.y.z.N` → `x.y.z+hotfix.N`: build metadata, which SemVer ignores when ordering, so it
    /// is *equal* to `x.y.z`. Helm charts accept it; the npm registry refuses it as a republish.
    BuildMetadata,
}

/// A rendering that does not exist for a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error(
        "{version} is a hotfix, and SemVer has no order-preserving form for x.y.z.N; set \
         `hotfix_semver: patch-bump` or `hotfix_semver: build-metadata` on the repository or its \
         category to choose one explicitly"
    )]
    HotfixSemverUnset { version: Version },
}

impl Version {
    /// The Docker tag, identical to the canonical spelling.
    pub fn docker_tag(&self) -> String {
        self.to_string()
    }

    /// PEP 440: `1.2.3.dev4`, `1.2.3rc1`, `1.2.3`, `1.2.3.1`.
    pub fn pep440(&self) -> String {
        let line = format!("{}.{}.{}", self.major, self.minor, self.patch);
        match self.stage {
            Stage::Dev(n) => format!("{line}.dev{n}"),
            Stage::Rc(n) => format!("{line}rc{n}"),
            Stage::Final => line,
            Stage::Hotfix(n) => format!("{line}.{n}"),
        }
    }

    /// SemVer 2.0: `1.2.3-dev.4`, `1.2.3-rc.1`, `1.2.3`; a hotfix only with an explicit choice.
    pub fn semver(&self, hotfix: Option<HotfixSemver>) -> Result<String, RenderError> {
        let (x, y, z) = (self.major, self.minor, self.patch);
        match (self.stage, hotfix) {
            (Stage::Dev(n), _) => Ok(format!("{x}.{y}.{z}-dev.{n}")),
            (Stage::Rc(n), _) => Ok(format!("{x}.{y}.{z}-rc.{n}")),
            (Stage::Final, _) => Ok(format!("{x}.{y}.{z}")),
            (Stage::Hotfix(n), Some(HotfixSemver::PatchBump)) => {
                Ok(format!("{x}.{y}.{}", z.saturating_add(n)))
            }
            (Stage::Hotfix(n), Some(HotfixSemver::BuildMetadata)) => {
                Ok(format!("{x}.{y}.{z}+hotfix.{n}"))
            }
            (Stage::Hotfix(_), None) => Err(RenderError::HotfixSemverUnset { version: *self }),
        }
    }

    /// Renders a tag or version-file template (placeholders [`TAG_PLACEHOLDERS`]).
    pub fn render_tag(&self, template: &Template) -> String {
        template.render(|name| self.placeholder(name))
    }

    /// Renders a release-branch template (placeholders [`BRANCH_PLACEHOLDERS`]).
    pub fn render_branch(&self, template: &Template) -> String {
        template.render(|name| self.placeholder(name))
    }

    /// Reads a version back from a tag rendered with `template`, or `None` when the tag is not
    /// one of ours.
    pub fn from_tag(template: &Template, tag: &str) -> Option<Self> {
        if let Some(text) = template.extract(tag, "canonical") {
            return Self::parse(text).ok();
        }
        if let Some(text) = template.extract(tag, "pep440") {
            return Self::parse(text).ok();
        }
        // A template with several placeholders, such as `{x}.{y}/v{canonical}`: the version is
        // where the template holds it, and every other placeholder must agree with it.
        let captures = template.captures(tag)?;
        let version = captures
            .iter()
            .find(|(name, _)| matches!(*name, "canonical" | "pep440"))
            .and_then(|(_, text)| Self::parse(text).ok())?;
        captures
            .iter()
            .all(|(name, text)| match *name {
                "canonical" | "pep440" => Self::parse(text).ok() == Some(version),
                _ => version.placeholder(name).as_deref() == Some(*text),
            })
            .then_some(version)
    }

    /// Reads a version from any tag of a repository's history: a tag of `template`, or a tag
    /// that is a version in whole in any spelling [`Version::read_tag`] reads (`1.12.0` beside
    /// a `v{canonical}` template, `v1.13`, `2.0.dev249`). What counts as released, the newest
    /// version and master's version are decided on these; tags flotilla writes follow
    /// `template` only.
    pub fn from_any_tag(template: &Template, tag: &str) -> Option<Self> {
        Self::from_tag(template, tag).or_else(|| Self::read_tag(tag))
    }

    fn placeholder(&self, name: &str) -> Option<String> {
        match name {
            "canonical" => Some(self.to_string()),
            "pep440" => Some(self.pep440()),
            "x" => Some(self.major.to_string()),
            "y" => Some(self.minor.to_string()),
            "z" => Some(self.patch.to_string()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn renders_each_ecosystem() {
        let table = [
            ("1.2.3dev4", "1.2.3dev4", "1.2.3.dev4", Some("1.2.3-dev.4")),
            ("1.2.3rc1", "1.2.3rc1", "1.2.3rc1", Some("1.2.3-rc.1")),
            ("1.2.3", "1.2.3", "1.2.3", Some("1.2.3")),
            ("1.2.3.1", "1.2.3.1", "1.2.3.1", None),
        ];
        for (input, docker, pep440, semver) in table {
            let version = v(input);
            assert_eq!(version.docker_tag(), docker);
            assert_eq!(version.pep440(), pep440);
            assert_eq!(version.semver(None).ok().as_deref(), semver);
        }
    }

    #[test]
    fn hotfix_semver_is_an_explicit_choice() {
        let hotfix = v("1.2.3.2");
        let err = hotfix.semver(None).unwrap_err();
        assert!(err.to_string().contains("hotfix_semver"), "{err}");
        assert_eq!(
            hotfix.semver(Some(HotfixSemver::PatchBump)).unwrap(),
            "1.2.5"
        );
        assert_eq!(
            hotfix.semver(Some(HotfixSemver::BuildMetadata)).unwrap(),
            "1.2.3+hotfix.2"
        );
    }

    #[test]
    fn templates_for_tags_and_branches() {
        let tag = Template::parse("v{canonical}", TAG_PLACEHOLDERS).unwrap();
        let branch = Template::parse("release-{x}.{y}.{z}", BRANCH_PLACEHOLDERS).unwrap();
        let plugin = Template::parse("release-{x}.{y}", BRANCH_PLACEHOLDERS).unwrap();
        for input in ["1.10.0rc1", "1.10.0", "1.10.0.1"] {
            assert_eq!(v(input).render_branch(&branch), "release-1.10.0");
            assert_eq!(v(input).render_branch(&plugin), "release-1.10");
            assert_eq!(
                Version::from_tag(&tag, &v(input).render_tag(&tag)),
                Some(v(input))
            );
        }
        assert_eq!(v("1.10.0.1").render_tag(&tag), "v1.10.0.1");
        assert_eq!(Version::from_tag(&tag, "latest"), None);
        let by_line = Template::parse("{x}.{y}/v{canonical}", TAG_PLACEHOLDERS).unwrap();
        assert_eq!(
            Version::from_tag(&by_line, "1.12/v1.12.0rc1"),
            Some(v("1.12.0rc1"))
        );
        // The line in front must be the version's own.
        assert_eq!(Version::from_tag(&by_line, "1.11/v1.12.0rc1"), None);
    }
}
