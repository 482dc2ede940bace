//! Where a form or the sign-in page may send the browser next: only a path of this server.

/// `next` when it is a path of this server (`/trains/01H…?x=1`), else `None`: no scheme, no
/// host (`//host`, `/\host`), no backslash or control character anywhere (browsers read `\`
/// as `/`).
pub(crate) fn local_path(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && !next.chars().any(|c| c == '\\' || c.is_control());
    local.then_some(next)
}

/// The sign-in page's address that comes back to `path` afterwards.
pub(crate) fn login_url(path: &str) -> String {
    let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
    format!("/login?next={next}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_accepted() {
        for ok in ["/", "/trains/01H?x=1", "/deployments#pending"] {
            assert_eq!(local_path(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "evil",
            "/a\nb",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_login_url_encodes_the_path() {
        assert_eq!(login_url("/a?b=c&d"), "/login?next=%2Fa%3Fb%3Dc%26d");
    }
}
