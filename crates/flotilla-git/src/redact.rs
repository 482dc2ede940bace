use std::borrow::Cow;

/// Replaces the user-info part of every URL in `text` (`https://user:token@host` becomes
/// `https://***@host`), so that credentials embedded in remote URLs never reach an error message
/// or a log.
pub fn redact_credentials(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut redacted = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let authority_start = scheme_end + 3;
        redacted.push_str(&rest[..authority_start]);
        let after_scheme = &rest[authority_start..];
        let authority_len = after_scheme
            .find(|character: char| {
                matches!(character, '/' | '?' | '#' | '\'' | '"' | '`' | '<' | '>')
                    || character.is_whitespace()
            })
            .unwrap_or(after_scheme.len());
        let authority = &after_scheme[..authority_len];
        match authority.rfind('@') {
            Some(at) => {
                redacted.push_str("***");
                redacted.push_str(&authority[at..]);
            }
            None => redacted.push_str(authority),
        }
        rest = &after_scheme[authority_len..];
    }
    redacted.push_str(rest);
    Cow::Owned(redacted)
}
