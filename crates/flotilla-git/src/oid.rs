use std::fmt;
use std::str::FromStr;

/// A git object id: 40 hexadecimal digits (SHA-1) or 64 (SHA-256), stored in lowercase.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Oid(String);

/// A string that is not a full git object id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a git object id: expected 40 (SHA-1) or 64 (SHA-256) hexadecimal digits")]
pub struct OidError {
    value: String,
}

impl Oid {
    pub fn parse(value: &str) -> Result<Self, OidError> {
        let well_formed =
            matches!(value.len(), 40 | 64) && value.bytes().all(|byte| byte.is_ascii_hexdigit());
        if well_formed {
            Ok(Self(value.to_ascii_lowercase()))
        } else {
            // Untrusted input can be huge; the start is enough to recognise it.
            Err(OidError {
                value: value.chars().take(80).collect(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Oid {
    type Err = OidError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse(value)
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl AsRef<str> for Oid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_sha1_and_sha256_and_normalises_case() {
        let sha1 = "A".repeat(40);
        assert_eq!(Oid::parse(&sha1).unwrap().as_str(), "a".repeat(40));
        assert!(Oid::parse(&"0".repeat(64)).is_ok());
    }

    #[test]
    fn rejects_other_lengths_and_non_hex() {
        for bad in ["", "abc", &"0".repeat(39), &"0".repeat(41), &"g".repeat(40)] {
            assert!(Oid::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
