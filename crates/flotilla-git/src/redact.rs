use std::borrow::Cow;

/// Replaces the user-info part of every URL in `text` (`https://user:token@host` becomes
/// `https://***@host`), so that credentials embedded in remote URLs never reach an error message
/// or a log. The one implementation: the engine's `Redactor` calls it for URLs too.
///
/// The authority ends where a URL's path, query or fragment starts, at whitespace, and at the
/// quotes and brackets that messages put around URLs; an `@` after that is not user-info.
/// Text without credentials comes back borrowed.
pub fn redact_credentials(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut redacted = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
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
                changed = true;
            }
            None => redacted.push_str(authority),
        }
        rest = &after_scheme[authority_len..];
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    redacted.push_str(rest);
    Cow::Owned(redacted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_a_url_among_other_text() {
        let text = "token=*** url=https://bob:pw@example.com/x abc";
        assert_eq!(
            redact_credentials(text),
            "token=*** url=https://***@example.com/x abc"
        );
    }

    #[test]
    fn the_authority_ends_at_query_fragment_quotes_and_brackets() {
        let cases = [
            ("https://host?next=a@b", "https://host?next=a@b"),
            ("https://host#a@b", "https://host#a@b"),
            ("`https://u:p@h`@x", "`https://***@h`@x"),
            ("<https://u:p@h>@x", "<https://***@h>@x"),
            ("\"https://u:p@h\"@x", "\"https://***@h\"@x"),
            ("https://u:p@h?q=1", "https://***@h?q=1"),
        ];
        for (input, expected) in cases {
            assert_eq!(redact_credentials(input), expected, "{input}");
        }
    }

    #[test]
    fn text_without_credentials_is_borrowed() {
        for clean in [
            "clean",
            "https://host/repo.git",
            "https://host/path@not-userinfo",
        ] {
            assert!(
                matches!(redact_credentials(clean), Cow::Borrowed(_)),
                "{clean}"
            );
        }
    }
}
