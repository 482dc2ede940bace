//! Token, session and CSRF texts: random, shown or sent once, stored only as their SHA-256.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

/// A fresh secret text and the hash under which the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSecret {
    /// Shown once (a token) or sent once (a session cookie); never stored.
    pub text: String,
    /// [`TokenSecret::hash`] of `text`.
    pub hash: String,
}

impl TokenSecret {
    /// A token as `flotilla token create` prints it: `flt_` and 32 random bytes in base64url.
    pub fn generate_token() -> Result<Self, ring::error::Unspecified> {
        Ok(Self::of(format!("flt_{}", random_text()?)))
    }

    /// A session id or CSRF token: 32 random bytes in base64url.
    pub fn generate() -> Result<Self, ring::error::Unspecified> {
        Ok(Self::of(random_text()?))
    }

    fn of(text: String) -> Self {
        let hash = Self::hash(&text);
        Self { text, hash }
    }

    /// The SHA-256 of `text` in lowercase hex: what the store keeps. Tokens carry 256 random
    /// bits, so a fast hash is enough (no password to stretch).
    pub fn hash(text: &str) -> String {
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

fn random_text() -> Result<String, ring::error::Unspecified> {
    let mut bytes = [0_u8; 32];
    SystemRandom::new().fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hashed() {
        let a = TokenSecret::generate_token().unwrap();
        let b = TokenSecret::generate_token().unwrap();
        assert!(a.text.starts_with("flt_"));
        assert_eq!(a.text.len(), 4 + 43);
        assert_ne!(a.text, b.text);
        assert_eq!(a.hash, TokenSecret::hash(&a.text));
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.text[4..]));
    }
}
