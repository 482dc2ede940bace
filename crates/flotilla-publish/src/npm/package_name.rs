use std::fmt;

use crate::{PublishError, Result};

/// An npm package name, plain (`console-core`) or scoped (`@spaceone/console-core`), under the
/// rules npm applies to new packages: lowercase, URL-safe, at most 214 characters, no leading
/// `.` or `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageName(String);

impl PackageName {
    pub fn new(name: &str) -> Result<Self> {
        let part_ok = |part: &str| {
            !part.is_empty()
                && !part.starts_with(['.', '_'])
                && part.bytes().all(|b| {
                    b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || matches!(b, b'-' | b'.' | b'_' | b'~')
                })
        };
        let valid = name.len() <= 214
            && match name.strip_prefix('@') {
                Some(scoped) => scoped
                    .split_once('/')
                    .is_some_and(|(scope, bare)| part_ok(scope) && part_ok(bare)),
                None => part_ok(name) && name != "node_modules" && name != "favicon.ico",
            };
        if !valid {
            return Err(PublishError::InvalidName {
                kind: "npm package name",
                value: name.to_owned(),
                expected: "lowercase letters, digits, `-`, `.`, `_` or `~`, optionally scoped as \
                           `@scope/name`, not starting with `.` or `_`, at most 214 characters",
            });
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as file names spell it: a scope's `/` becomes `+` (`@scope+name`), which no
    /// package name contains, so no two packages share a file name.
    pub fn file_stem(&self) -> String {
        self.0.replace('/', "+")
    }

    /// `<file stem>-<version>.tgz`, as tarballs of this package are named.
    pub fn tarball_filename(&self, version: &semver::Version) -> String {
        format!("{}-{version}.tgz", self.file_stem())
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_and_scoped_names() {
        assert_eq!(
            PackageName::new("console-core").unwrap().file_stem(),
            "console-core"
        );
        assert_eq!(
            PackageName::new("@spaceone/console-core")
                .unwrap()
                .file_stem(),
            "@spaceone+console-core"
        );
    }

    #[test]
    fn refuses_names_npm_refuses() {
        for bad in [
            "",
            "Upper",
            ".x",
            "_x",
            "a b",
            "@scope",
            "@/x",
            "@s/",
            "a/b",
            "node_modules",
        ] {
            assert!(PackageName::new(bad).is_err(), "{bad} accepted");
        }
        assert!(PackageName::new(&"x".repeat(215)).is_err());
    }
}
