use std::fmt;

use crate::{PublishError, Result};

/// A Python distribution name as given (`Spaceone.Core`), with its PEP 503 normalised form
/// (`spaceone-core`) and the form file names use (`spaceone_core`, PEP 427 and PEP 625).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectName {
    given: String,
    normalized: String,
}

impl ProjectName {
    /// Accepts names of PEP 508's grammar: ASCII letters and digits, with `.`, `_` and `-`
    /// inside.
    pub fn new(name: &str) -> Result<Self> {
        let alnum = |b: u8| b.is_ascii_alphanumeric();
        let bytes = name.as_bytes();
        let valid = bytes.first().is_some_and(|&b| alnum(b))
            && bytes.last().is_some_and(|&b| alnum(b))
            && bytes
                .iter()
                .all(|&b| alnum(b) || b == b'.' || b == b'_' || b == b'-');
        if !valid {
            return Err(PublishError::InvalidName {
                kind: "Python distribution name",
                value: name.to_owned(),
                expected: "ASCII letters and digits, with `.`, `_` or `-` inside (PEP 508)",
            });
        }
        let mut normalized = String::with_capacity(name.len());
        let mut in_separator = false;
        for c in name.chars() {
            if matches!(c, '-' | '_' | '.') {
                if !in_separator {
                    normalized.push('-');
                }
                in_separator = true;
            } else {
                normalized.push(c.to_ascii_lowercase());
                in_separator = false;
            }
        }
        Ok(Self {
            given: name.to_owned(),
            normalized,
        })
    }

    /// The name as given, used in the `Name:` metadata field.
    pub fn as_str(&self) -> &str {
        &self.given
    }

    /// PEP 503 normalised: lowercase, runs of `-`, `_`, `.` replaced by one `-`.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The name as wheel and sdist file names spell it: normalised, `-` replaced by `_`.
    pub fn file_prefix(&self) -> String {
        self.normalized.replace('-', "_")
    }
}

impl fmt::Display for ProjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.given)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_per_pep_503_and_427() {
        let name = ProjectName::new("Spaceone_._Core").unwrap();
        assert_eq!(name.as_str(), "Spaceone_._Core");
        assert_eq!(name.normalized(), "spaceone-core");
        assert_eq!(name.file_prefix(), "spaceone_core");
    }

    #[test]
    fn refuses_names_outside_pep_508() {
        for bad in ["", "-a", "a-", "a b", "a/b", "ä"] {
            assert!(ProjectName::new(bad).is_err(), "{bad} accepted");
        }
    }
}
