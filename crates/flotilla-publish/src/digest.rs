use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

/// A SHA-256 content digest, written `sha256:<64 lowercase hex digits>` as OCI does.
///
/// Every published artifact is identified by one, whatever its ecosystem.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The digest of a byte string.
    pub fn of_bytes(data: &[u8]) -> Self {
        Self(Sha256::digest(data).into())
    }

    /// The digest and length of everything a reader yields, read in chunks.
    pub fn of_reader(mut reader: impl Read) -> io::Result<(Self, u64)> {
        let mut hasher = Sha256::new();
        let mut buf = vec![0_u8; 64 * 1024];
        let mut len = 0_u64;
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            len += n as u64;
        }
        Ok((Self(hasher.finalize().into()), len))
    }

    /// The digest and length of a file, read in chunks.
    pub(crate) fn of_file(path: &std::path::Path) -> std::io::Result<(Self, u64)> {
        std::fs::File::open(path).and_then(Self::of_reader)
    }

    pub(crate) fn from_sha256(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 64 lowercase hex digits, without the `sha256:` prefix (the blob file name in an OCI
    /// layout, the `#sha256=` fragment of a simple index).
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Digest {
    type Err = flotilla_core::DigestError;

    /// Core's `Digest` is the one place that says what a digest looks like.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let checked: flotilla_core::Digest = s.parse()?;
        let mut bytes = [0_u8; 32];
        hex::decode_to_slice(checked.hex(), &mut bytes)
            .map_err(|_| flotilla_core::DigestError { text: s.to_owned() })?;
        Ok(Self(bytes))
    }
}

/// The digest in the vocabulary the plan, the engine and the store share.
impl From<Digest> for flotilla_core::Digest {
    fn from(digest: Digest) -> Self {
        Self::from_sha256(digest.0)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_and_parses_the_oci_form() {
        let digest = Digest::of_bytes(b"");
        let text = digest.to_string();
        assert_eq!(
            text,
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(text.parse::<Digest>().ok(), Some(digest));
    }

    #[test]
    fn converts_to_the_core_digest() {
        let digest = Digest::of_bytes(b"flotilla");
        assert_eq!(
            flotilla_core::Digest::from(digest).as_str(),
            digest.to_string()
        );
    }

    #[test]
    fn refuses_other_forms() {
        for bad in [
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "sha256:e3b0",
        ] {
            assert!(bad.parse::<Digest>().is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn reader_digest_matches_bytes_digest() {
        let data = vec![7_u8; 200_000];
        let (digest, len) = Digest::of_reader(&data[..]).unwrap();
        assert_eq!(digest, Digest::of_bytes(&data));
        assert_eq!(len, 200_000);
    }
}
