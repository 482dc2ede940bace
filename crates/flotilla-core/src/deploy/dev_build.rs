use std::cmp::Ordering;
use std::fmt;

use crate::version::Version;

/// A master-push build: the canonical version of master's version file, then the build's
/// `.YYYYMMDD.HHMMSS` stamp, e.g. `0.9.0.20261126.071233` or `1.0.0rc1.20261126.071233`.
///
/// Builds order by their stamp: a later build of master is newer whatever its version file said.
/// The version breaks ties so that the order agrees with equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DevBuild {
    /// The version master's version file held when the build ran.
    pub base: Version,
    /// The stamp's date as the number `YYYYMMDD`.
    pub date: u32,
    /// The stamp's time of day as the number `HHMMSS`.
    pub time: u32,
}

impl DevBuild {
    /// Reads a dev-build tag; `None` for anything else, including release tags and stamps that
    /// are not a calendar date and a time of day.
    pub fn parse(tag: &str) -> Option<Self> {
        let (rest, time) = tag.rsplit_once('.')?;
        let (base, date) = rest.rsplit_once('.')?;
        let date = stamp_number(date, 8)?;
        let time = stamp_number(time, 6)?;
        let (month, day) = (date / 100 % 100, date % 100);
        let (hour, minute, second) = (time / 10_000, time / 100 % 100, time % 100);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let base = Version::parse(base)
            .ok()
            .filter(|v| v.to_string() == base)?;
        Some(Self { base, date, time })
    }
}

/// A fixed-width run of ASCII digits; leading zeros are part of the stamp's format.
fn stamp_number(text: &str, width: usize) -> Option<u32> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

impl Ord for DevBuild {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.date, self.time, self.base).cmp(&(other.date, other.time, other.base))
    }
}

impl PartialOrd for DevBuild {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The tag the build was published under.
impl fmt::Display for DevBuild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:08}.{:06}", self.base, self.date, self.time)
    }
}
