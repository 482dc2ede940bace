use std::cmp::Ordering;
use std::fmt;

use super::dev_build::DevBuild;
use crate::version::Version;

/// What an image tag means to continuous deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageVersion {
    /// A release of the version scheme, tagged with its canonical spelling: `1.2.3dev1`,
    /// `1.2.3rc1`, `1.2.3`, `1.2.3.1`.
    Release(Version),
    /// A master-push build, `x.y.z[stage].YYYYMMDD.HHMMSS`.
    DevBuild(DevBuild),
}

/// Reads an image tag: a release in its canonical spelling or a master-push build. `latest`,
/// other spellings of a version (`v1.2.3`, `1.2.3-rc1`) and anything else are `None`: flotilla
/// publishes canonical tags only, and a second spelling of the same version would be a second
/// image for one version.
pub fn classify_tag(tag: &str) -> Option<ImageVersion> {
    if let Some(version) = Version::parse(tag).ok().filter(|v| v.to_string() == tag) {
        return Some(ImageVersion::Release(version));
    }
    DevBuild::parse(tag).map(ImageVersion::DevBuild)
}

impl ImageVersion {
    /// The order deployments must not go back in.
    ///
    /// Releases compare by the version scheme (`rc9 < rc10 < final < hotfix`), dev builds by
    /// their stamp. A dev build sits right after the release its version file names and before
    /// every later release: master only carries a released version back when it is newer, so a
    /// build of `1.2.3` contains `1.2.3` and what master gained since, and no later release.
    pub fn deploy_order(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Release(a), Self::Release(b)) => a.cmp(b),
            (Self::DevBuild(a), Self::DevBuild(b)) => a.cmp(b),
            (Self::DevBuild(build), Self::Release(release)) => {
                build.base.cmp(release).then(Ordering::Greater)
            }
            (Self::Release(release), Self::DevBuild(build)) => {
                release.cmp(&build.base).then(Ordering::Less)
            }
        }
    }

    /// The version of the scheme: the release itself, or the version a dev build was made from.
    pub fn version(&self) -> Version {
        match self {
            Self::Release(version) => *version,
            Self::DevBuild(build) => build.base,
        }
    }

    /// How environments name what they follow: a release channel, or `dev build`.
    pub fn channel_name(&self) -> &'static str {
        match self {
            Self::Release(version) => version.channel().as_str(),
            Self::DevBuild(_) => "dev build",
        }
    }
}

/// The image tag.
impl fmt::Display for ImageVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Release(version) => version.fmt(f),
            Self::DevBuild(build) => build.fmt(f),
        }
    }
}

impl serde::Serialize for ImageVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
