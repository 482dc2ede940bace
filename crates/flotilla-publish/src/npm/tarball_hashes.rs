use std::fs::File;
use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha512};

use crate::{Digest, PublishError, Result};

/// The three hashes registries record for a tarball, computed in one read.
pub(crate) struct TarballHashes {
    sha1: Vec<u8>,
    sha512: Vec<u8>,
    pub(crate) sha256: Digest,
    pub(crate) size: u64,
}

impl TarballHashes {
    pub(crate) fn of(path: &Path) -> Result<Self> {
        let read_error = |e| PublishError::io("read", path, e);
        let mut file = File::open(path).map_err(read_error)?;
        let mut sha1 = Sha1::default();
        let mut sha512 = Sha512::new();
        let mut sha256 = Sha256::new();
        let mut size = 0_u64;
        let mut buf = vec![0_u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf).map_err(read_error)?;
            if n == 0 {
                break;
            }
            sha1::Digest::update(&mut sha1, &buf[..n]);
            sha512.update(&buf[..n]);
            sha256.update(&buf[..n]);
            size += n as u64;
        }
        Ok(Self {
            sha1: sha1::Digest::finalize(sha1).to_vec(),
            sha512: sha512.finalize().to_vec(),
            sha256: Digest::from_sha256(sha256.finalize().into()),
            size,
        })
    }

    /// Subresource integrity, npm's `dist.integrity`: `sha512-<base64>`.
    pub(crate) fn integrity(&self) -> String {
        format!("sha512-{}", STANDARD.encode(&self.sha512))
    }

    /// SHA-1 in hex, npm's `dist.shasum`.
    pub(crate) fn shasum(&self) -> String {
        hex::encode(&self.sha1)
    }
}
