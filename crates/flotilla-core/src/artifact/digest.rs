use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::help::Help;

/// A SHA-256 content digest as OCI writes it, `sha256:<64 lowercase hex digits>`; every
/// published artifact is identified by one, whatever its ecosystem. Only a well-formed digest
/// can be built, so code holding one never has to check it again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Digest(String);

const PREFIX: &str = "sha256:";

/// A text that is not a `sha256:` digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a digest")]
pub struct DigestError {
    pub text: String,
}

impl Help for DigestError {
    fn help(&self) -> Option<String> {
        Some("a digest is `sha256:` followed by 64 lowercase hex digits".to_owned())
    }
}

impl Digest {
    /// The digest of a SHA-256 hash value.
    pub fn from_sha256(bytes: [u8; 32]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(PREFIX.len() + 64);
        text.push_str(PREFIX);
        for byte in bytes {
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        Self(text)
    }

    /// `sha256:<hex>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 64 hex digits, without the `sha256:` prefix.
    pub fn hex(&self) -> &str {
        &self.0[PREFIX.len()..]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let valid = text.strip_prefix(PREFIX).is_some_and(|hex| {
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(DigestError {
                text: text.to_owned(),
            })
        }
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(|err: DigestError| serde::de::Error::custom(err.with_help()))
    }
}

// Code that passes a digest on as text (`&str` parameters) keeps working unchanged.
impl std::ops::Deref for Digest {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Digest {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_displays_and_serializes_the_oci_form() {
        let digest: Digest = EMPTY.parse().unwrap();
        assert_eq!(digest.to_string(), EMPTY);
        assert_eq!(digest.hex(), &EMPTY[7..]);
        assert_eq!(
            serde_json::to_string(&digest).unwrap(),
            format!("\"{EMPTY}\"")
        );
        let back: Digest = serde_json::from_str(&format!("\"{EMPTY}\"")).unwrap();
        assert_eq!(back, digest);
    }

    #[test]
    fn builds_from_hash_bytes() {
        let mut bytes = [0_u8; 32];
        bytes[0] = 0xab;
        bytes[31] = 0x0f;
        let digest = Digest::from_sha256(bytes);
        assert!(digest.as_str().starts_with("sha256:ab00"));
        assert!(digest.as_str().ends_with("000f"));
        assert_eq!(digest.as_str().parse::<Digest>(), Ok(digest));
    }

    #[test]
    fn refuses_other_forms() {
        for bad in [
            &EMPTY[7..],
            "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "sha256:e3b0",
            "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            assert!(bad.parse::<Digest>().is_err(), "{bad} parsed");
            let err = serde_json::from_str::<Digest>(&format!("\"{bad}\"")).unwrap_err();
            assert!(
                err.to_string()
                    .contains("is not a digest\n  help: a digest is `sha256:` followed by"),
                "{err}"
            );
        }
    }
}
