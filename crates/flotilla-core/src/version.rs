//! The version scheme of the seed: `x.y.zdevN`, `x.y.zrcN`, `x.y.z` and `x.y.z.N`, one value
//! with a total order and a rendering per ecosystem.

mod package_version;
mod parse;
mod render;

use std::cmp::Ordering;
use std::fmt;

pub use package_version::PackageVersion;
pub use parse::VersionError;
pub use render::{BRANCH_PLACEHOLDERS, HotfixSemver, RenderError, TAG_PLACEHOLDERS};

/// A version of the seed's scheme.
///
/// The derived order compares `major`, `minor`, `patch`, then the stage, where
/// `devN < rcN < final < hotfix N` and each number compares numerically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub stage: Stage,
}

/// Where a version sits inside its `x.y.z` line. Variant order is the release order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Dev(u64),
    Rc(u64),
    Final,
    /// A hotfix number is at least 1: `x.y.z.0` would be the final itself.
    Hotfix(u64),
}

/// The release channel of a version: what environments follow and registries tag by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Dev,
    Rc,
    Final,
    Hotfix,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Rc => "rc",
            Self::Final => "final",
            Self::Hotfix => "hotfix",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a next-version operation has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NextError {
    #[error(
        "{version} is {stage}; a release candidate comes before the final, start a new line instead (for example {next_line}rc1)"
    )]
    RcAfterFinal {
        version: Version,
        stage: &'static str,
        next_line: String,
    },
    #[error(
        "{version} is past development; a development version comes before the first release candidate of a line"
    )]
    DevAfterRc { version: Version },
    #[error(
        "{version} has no final release yet; a hotfix applies to a final (release {final_version} first)"
    )]
    HotfixBeforeFinal {
        version: Version,
        final_version: Version,
    },
    #[error("{version} carries the largest number a version can hold; start a new line instead")]
    OutOfNumbers { version: Version },
}

impl Version {
    pub const fn new(major: u64, minor: u64, patch: u64, stage: Stage) -> Self {
        Self {
            major,
            minor,
            patch,
            stage,
        }
    }

    pub fn channel(&self) -> Channel {
        match self.stage {
            Stage::Dev(_) => Channel::Dev,
            Stage::Rc(_) => Channel::Rc,
            Stage::Final => Channel::Final,
            Stage::Hotfix(_) => Channel::Hotfix,
        }
    }

    /// The final release of this version's `x.y.z` line.
    #[must_use]
    pub const fn final_of_line(&self) -> Self {
        Self::new(self.major, self.minor, self.patch, Stage::Final)
    }

    /// Whether both versions belong to the same `x.y.z` line.
    pub fn same_line(&self, other: &Self) -> bool {
        (self.major, self.minor, self.patch) == (other.major, other.minor, other.patch)
    }

    /// The next release candidate: `rcN` → `rcN+1`, `devN` → `rc1`.
    pub fn next_rc(&self) -> Result<Self, NextError> {
        match self.stage {
            Stage::Dev(_) => Ok(self.with_stage(Stage::Rc(1))),
            Stage::Rc(n) => self.bumped(n, Stage::Rc),
            Stage::Final | Stage::Hotfix(_) => Err(NextError::RcAfterFinal {
                version: *self,
                stage: if self.stage == Stage::Final {
                    "final"
                } else {
                    "a hotfix"
                },
                next_line: format!(
                    "{}.{}.{}",
                    self.major,
                    self.minor,
                    self.patch.saturating_add(1)
                ),
            }),
        }
    }

    /// The next development version: `devN` → `devN+1`.
    pub fn next_dev(&self) -> Result<Self, NextError> {
        match self.stage {
            Stage::Dev(n) => self.bumped(n, Stage::Dev),
            _ => Err(NextError::DevAfterRc { version: *self }),
        }
    }

    /// The next hotfix: final → `.1`, `.N` → `.N+1`.
    pub fn next_hotfix(&self) -> Result<Self, NextError> {
        match self.stage {
            Stage::Final => Ok(self.with_stage(Stage::Hotfix(1))),
            Stage::Hotfix(n) => self.bumped(n, Stage::Hotfix),
            Stage::Dev(_) | Stage::Rc(_) => Err(NextError::HotfixBeforeFinal {
                version: *self,
                final_version: self.final_of_line(),
            }),
        }
    }

    const fn with_stage(&self, stage: Stage) -> Self {
        Self::new(self.major, self.minor, self.patch, stage)
    }

    /// The same stage with its number plus one; at `u64::MAX` there is no greater one, and
    /// returning the version itself would make "next" go nowhere.
    fn bumped(&self, n: u64, stage: fn(u64) -> Stage) -> Result<Self, NextError> {
        n.checked_add(1)
            .map(|next| self.with_stage(stage(next)))
            .ok_or(NextError::OutOfNumbers { version: *self })
    }

    /// Compares two versions; a named function for readers of `flotilla version compare`.
    pub fn compare(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
}

/// The canonical spelling, which is also the Docker tag: `1.2.3dev4`, `1.2.3rc1`, `1.2.3`,
/// `1.2.3.1`.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        match self.stage {
            Stage::Dev(n) => write!(f, "dev{n}"),
            Stage::Rc(n) => write!(f, "rc{n}"),
            Stage::Final => Ok(()),
            Stage::Hotfix(n) => write!(f, ".{n}"),
        }
    }
}

impl std::str::FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl crate::help::Help for NextError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn orders_stages_inside_a_line_numerically() {
        let ordered = [
            "1.2.3dev0",
            "1.2.3dev1",
            "1.2.3dev10",
            "1.2.3rc0",
            "1.2.3rc1",
            "1.2.3rc9",
            "1.2.3rc10",
            "1.2.3",
            "1.2.3.1",
            "1.2.3.2",
            "1.2.3.10",
            "1.2.4dev1",
            "1.10.0rc1",
            "2.0.0",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn next_operations() {
        assert_eq!(v("1.2.3rc9").next_rc().unwrap(), v("1.2.3rc10"));
        assert_eq!(v("1.2.3dev4").next_rc().unwrap(), v("1.2.3rc1"));
        assert_eq!(v("1.2.3dev4").next_dev().unwrap(), v("1.2.3dev5"));
        assert_eq!(v("1.2.3").next_hotfix().unwrap(), v("1.2.3.1"));
        assert_eq!(v("1.2.3.9").next_hotfix().unwrap(), v("1.2.3.10"));
        assert_eq!(v("1.2.3rc2").final_of_line(), v("1.2.3"));
        assert!(matches!(
            v("1.2.3").next_rc(),
            Err(NextError::RcAfterFinal { .. })
        ));
        assert!(matches!(
            v("1.2.3rc1").next_dev(),
            Err(NextError::DevAfterRc { .. })
        ));
        let err = v("1.2.3rc1").next_hotfix().unwrap_err();
        assert!(err.to_string().contains("release 1.2.3 first"), "{err}");
    }

    #[test]
    fn channels() {
        assert_eq!(v("1.0.0dev1").channel(), Channel::Dev);
        assert_eq!(v("1.0.0rc1").channel(), Channel::Rc);
        assert_eq!(v("1.0.0").channel(), Channel::Final);
        assert_eq!(v("1.0.0.1").channel(), Channel::Hotfix);
    }
}
