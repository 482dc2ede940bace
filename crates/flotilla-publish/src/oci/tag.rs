use std::fmt;

use crate::{PublishError, Result};

/// An image tag, and whether it may move to another image once set.
///
/// Version tags are immutable: pushing another image under an existing version tag is an error.
/// Moving tags such as `latest` are created with [`Tag::mutable`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag {
    name: String,
    mutable: bool,
}

impl Tag {
    /// A tag that, once set, always names the same image.
    pub fn new(name: &str) -> Result<Self> {
        validate(name)?;
        Ok(Self {
            name: name.to_owned(),
            mutable: false,
        })
    }

    /// A tag that may be re-pointed to a newer image (`latest`).
    pub fn mutable(name: &str) -> Result<Self> {
        validate(name)?;
        Ok(Self {
            name: name.to_owned(),
            mutable: true,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_mutable(&self) -> bool {
        self.mutable
    }
}

/// OCI distribution's tag grammar: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn validate(name: &str) -> Result<()> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let valid = !name.is_empty()
        && name.len() <= 128
        && name.bytes().next().is_some_and(word)
        && name.bytes().all(|b| word(b) || b == b'.' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(PublishError::InvalidName {
            kind: "image tag",
            value: name.to_owned(),
            expected: "1 to 128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-`",
        })
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_distribution_grammar() {
        assert!(Tag::new("1.2.3rc1").is_ok());
        assert!(Tag::new("1.2.3.20240101.120000").is_ok());
        assert!(Tag::mutable("latest").unwrap().is_mutable());
        assert!(!Tag::new("latest").unwrap().is_mutable());
        for bad in ["", ".x", "-x", "a/b", "a:b", &"x".repeat(129)] {
            assert!(Tag::new(bad).is_err(), "{bad} accepted");
        }
    }
}
