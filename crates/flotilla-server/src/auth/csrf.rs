//! Cross-site request forgery: every form of a signed-in browser carries a token that another
//! site cannot read, compared in constant time.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The form field (and, for scripts, the `X-CSRF-Token` header) that carries it.
pub const FIELD: &str = "csrf";
pub(crate) const HEADER: &str = "x-csrf-token";

/// Whether `given` is `expected`, in constant time.
pub(crate) fn matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// The CSRF token of a user known by the trusted proxy's header, who has no session: derived
/// from the server's API token, so it is stable per user and unknown to other sites.
pub(crate) fn for_proxy_user(key: &str, name: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        // HMAC takes keys of any length; this cannot happen.
        return String::new();
    };
    mac.update(b"flotilla csrf\0");
    mac.update(name.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_themselves() {
        assert!(matches("abc", "abc"));
        assert!(!matches("abc", "abd"));
        assert!(!matches("abc", "ab"));
        assert!(!matches("abc", ""));
    }

    #[test]
    fn proxy_users_get_distinct_stable_tokens() {
        let alice = for_proxy_user("key", "alice");
        assert_eq!(alice, for_proxy_user("key", "alice"));
        assert_ne!(alice, for_proxy_user("key", "bob"));
        assert_ne!(alice, for_proxy_user("other", "alice"));
        assert_eq!(alice.len(), 43);
    }
}
