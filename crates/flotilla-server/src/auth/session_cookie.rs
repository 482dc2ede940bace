//! The `flotilla_session` cookie: its value is the session id, of which the store keeps only
//! the hash.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// The cookie's name.
pub(crate) const NAME: &str = "flotilla_session";

/// The session id the request's cookies carry, if any.
pub(crate) fn from_headers(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// `Set-Cookie` for a new session: unreadable by scripts, never sent by other sites, for the
/// whole server, `Secure` behind TLS.
pub(crate) fn set(id: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{NAME}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}{secure}")
}

/// `Set-Cookie` that removes the cookie (sign out).
pub(crate) fn clear(secure: bool) -> String {
    set("", 0, secure)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_session_id_is_found_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("theme=dark; flotilla_session=abc; x=y"),
        );
        assert_eq!(from_headers(&headers), Some("abc"));
        headers.insert(COOKIE, HeaderValue::from_static("flotilla_sessionx=abc"));
        assert_eq!(from_headers(&headers), None);
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_behind_tls() {
        let cookie = set("abc", 60, true);
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Strict"));
        assert!(cookie.contains("Path=/"));
        assert!(cookie.ends_with("; Secure"));
        assert!(!set("abc", 60, false).contains("Secure"));
    }
}
