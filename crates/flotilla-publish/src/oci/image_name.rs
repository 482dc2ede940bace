use std::fmt;
use std::str::FromStr;

use crate::{PublishError, Result};

/// A repository path as OCI distribution defines it (`spaceone/identity`): `/`-separated
/// components of lowercase letters and digits joined by `.`, `_`, `__` or runs of `-`. It never
/// holds `..` or an absolute path, so it is safe as a directory path under a target root.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageName(String);

impl ImageName {
    pub fn new(name: &str) -> Result<Self> {
        if name.is_empty() || name.len() > 255 || !name.split('/').all(valid_component) {
            return Err(PublishError::InvalidName {
                kind: "image name",
                value: name.to_owned(),
                expected: "lowercase `/`-separated components of letters and digits joined by \
                           `.`, `_`, `__` or `-` (for example `spaceone/identity`), at most 255 \
                           characters",
            });
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn valid_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    // Between alphanumeric runs: one `.`, one or two `_`, or any number of `-`.
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        let allowed = separator == "."
            || separator == "_"
            || separator == "__"
            || separator.bytes().all(|b| b == b'-');
        if !allowed {
            return false;
        }
    }
    true
}

impl fmt::Display for ImageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ImageName {
    type Err = PublishError;

    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_distribution_paths() {
        for good in ["identity", "spaceone/identity", "a__b", "a--b/c.d", "x1/2y"] {
            assert!(ImageName::new(good).is_ok(), "{good} refused");
        }
    }

    #[test]
    fn refuses_paths_that_escape_or_break_the_grammar() {
        for bad in [
            "", "..", "a/../b", "/abs", "a/", "Upper", "a..b", "a___b", "-a", "a_", "a b",
        ] {
            assert!(ImageName::new(bad).is_err(), "{bad} accepted");
        }
    }
}
