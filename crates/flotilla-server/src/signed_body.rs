//! What a delivery's signature (or token) vouches for: the exact bytes of its body.

use sha2::{Digest as _, Sha256};

/// The digest of a verified body. Headers such as `X-GitHub-Delivery` are outside the signature,
/// so anyone who captured a delivery can resend it under new ones; the body they cannot change.
/// Each event of the body is keyed by this digest and its index, and a key seen within the
/// replay window marks a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedBody {
    sha256: String,
}

impl SignedBody {
    pub(crate) fn of(body: &[u8]) -> Self {
        Self {
            sha256: hex::encode(Sha256::digest(body)),
        }
    }

    /// The replay key of the body's `index`-th event.
    pub(crate) fn replay_key(&self, index: usize) -> String {
        format!("sha256:{}:{index}", self.sha256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_depends_on_every_byte_and_the_index() {
        let body = SignedBody::of(b"{\"a\":1}");
        assert_eq!(body, SignedBody::of(b"{\"a\":1}"));
        assert_ne!(body, SignedBody::of(b"{\"a\":1} "));
        assert_ne!(body.replay_key(0), body.replay_key(1));
        assert!(body.replay_key(0).starts_with("sha256:"));
    }
}
