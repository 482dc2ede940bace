//! A shared secret: the HMAC key of git webhooks or a bearer token, never printed.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::server_error::ServerError;

/// Short secrets can be brute-forced offline from one captured signature.
const MIN_LEN: usize = 16;

/// A secret shared with webhook senders or API clients. `Debug` shows only its name.
#[derive(Clone)]
pub struct Secret {
    /// Where it came from (an environment variable's name), for messages.
    name: Arc<str>,
    value: Arc<str>,
    /// SHA-256 of the value: tokens are compared digest to digest, so the comparison takes the
    /// same time whatever the length of the token offered.
    digest: [u8; 32],
    /// HMAC-SHA256 keyed with the value, copied for each signature instead of keyed again.
    mac: Hmac<Sha256>,
}

impl Secret {
    /// A secret with the given value; `name` says where it came from, for messages.
    pub fn new(name: &str, value: &str) -> Result<Self, ServerError> {
        if value.is_empty() {
            return Err(ServerError::MissingSecret {
                name: name.to_owned(),
            });
        }
        if value.len() < MIN_LEN {
            return Err(ServerError::WeakSecret {
                name: name.to_owned(),
                min: MIN_LEN,
            });
        }
        // HMAC takes keys of any length; the error cannot happen.
        let mac = Hmac::<Sha256>::new_from_slice(value.as_bytes()).map_err(|_| {
            ServerError::WeakSecret {
                name: name.to_owned(),
                min: MIN_LEN,
            }
        })?;
        Ok(Self {
            name: name.into(),
            value: value.into(),
            digest: Sha256::digest(value.as_bytes()).into(),
            mac,
        })
    }

    /// The secret held by the environment variable `env`.
    pub fn from_env(env: &str) -> Result<Self, ServerError> {
        let value = std::env::var(env).unwrap_or_default();
        Self::new(env, &value)
    }

    pub(crate) fn expose(&self) -> &str {
        &self.value
    }

    /// Whether `token` is this secret, in constant time.
    pub(crate) fn matches(&self, token: &[u8]) -> bool {
        let offered: [u8; 32] = Sha256::digest(token).into();
        offered.ct_eq(&self.digest).into()
    }

    /// Whether `header` (`sha256=<hex>`) is the HMAC-SHA256 of `body` under this secret,
    /// compared in constant time.
    pub(crate) fn signed(&self, body: &[u8], header: &[u8]) -> bool {
        let Some(hex_signature) = header.strip_prefix(b"sha256=") else {
            return false;
        };
        let mut signature = [0_u8; 32];
        if hex::decode_to_slice(hex_signature, &mut signature).is_err() {
            return false;
        }
        let mut mac = self.mac.clone();
        mac.update(body);
        mac.verify_slice(&signature).is_ok()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}: ***)", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new("TEST", "0123456789abcdef-secret").unwrap()
    }

    fn sign(key: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn a_signature_by_the_secret_verifies_and_others_do_not() {
        let s = secret();
        let good = sign("0123456789abcdef-secret", b"{}");
        assert!(s.signed(b"{}", good.as_bytes()));
        assert!(!s.signed(b"{ }", good.as_bytes()), "other body");
        assert!(!s.signed(b"{}", sign("another-secret-of-length", b"{}").as_bytes()));
        assert!(
            !s.signed(b"{}", good.trim_start_matches("sha256=").as_bytes()),
            "no prefix"
        );
        assert!(!s.signed(b"{}", b"sha256=zz"), "not hex");
        assert!(
            !s.signed(b"{}", &good.as_bytes()[..good.len() - 2]),
            "truncated"
        );
    }

    #[test]
    fn tokens_match_only_the_exact_value() {
        let s = secret();
        assert!(s.matches(b"0123456789abcdef-secret"));
        assert!(!s.matches(b"0123456789abcdef-secreT"));
        assert!(!s.matches(b""));
    }

    #[test]
    fn empty_and_short_secrets_are_refused_and_debug_hides_the_value() {
        assert!(matches!(
            Secret::new("X", ""),
            Err(ServerError::MissingSecret { .. })
        ));
        assert!(matches!(
            Secret::new("X", "short"),
            Err(ServerError::WeakSecret { .. })
        ));
        let shown = format!("{:?}", secret());
        assert!(!shown.contains("abcdef"), "{shown}");
        assert!(shown.contains("TEST"), "{shown}");
    }
}
