//! Keeps secrets out of logs, the store and error messages.

use std::borrow::Cow;

/// Replaces known secret values, and credentials embedded in URLs, with `***`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

/// Secrets shorter than this are not redacted: replacing every `1` or `a` in a log would hide
/// everything and protect nothing.
const MIN_SECRET_LEN: usize = 4;

impl Redactor {
    /// Redacts the values of the named environment variables, as set now.
    pub fn from_env_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut redactor = Self::default();
        for name in names {
            if let Ok(value) = std::env::var(name) {
                redactor.add(value);
            }
        }
        redactor
    }

    pub fn add(&mut self, secret: impl Into<String>) {
        let secret = secret.into();
        if secret.len() >= MIN_SECRET_LEN && !self.secrets.contains(&secret) {
            self.secrets.push(secret);
            // Longest first, so a secret containing another is replaced whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Whether `value` is one of the secrets, whole.
    pub fn is_secret(&self, value: &str) -> bool {
        self.secrets.iter().any(|secret| secret == value)
    }

    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), "***"));
            }
        }
        match redact_url_credentials(&out) {
            Cow::Borrowed(_) => out,
            Cow::Owned(clean) => Cow::Owned(clean),
        }
    }
}

/// `scheme://user:pass@host` → `scheme://***@host`: flotilla-git's implementation, which git's
/// own error messages already go through.
pub fn redact_url_credentials(text: &str) -> Cow<'_, str> {
    flotilla_git::redact_credentials(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secrets_and_url_credentials() {
        let mut redactor = Redactor::default();
        redactor.add("s3cr3t-token");
        redactor.add("abc");
        let text = "token=s3cr3t-token url=https://bob:pw@example.com/x abc";
        assert_eq!(
            redactor.redact(text),
            "token=*** url=https://***@example.com/x abc"
        );
        assert!(matches!(redactor.redact("clean"), Cow::Borrowed(_)));
    }

    /// URLs go through flotilla-git's redaction (its table is in its `tests/it/errors.rs`):
    /// the authority ends at a query, a fragment or a bracket as well as at the next `/`, so an
    /// `@` after them is left alone.
    #[test]
    fn redacts_url_credentials_as_git_errors_do() {
        let redactor = Redactor::default();
        for (input, expected) in [
            ("https://u:p@ss@h/r", "https://***@h/r"),
            ("https://host?next=a@b", "https://host?next=a@b"),
            ("https://host#a@b", "https://host#a@b"),
            ("<https://u:p@h>@x", "<https://***@h>@x"),
        ] {
            assert_eq!(redactor.redact(input), expected, "{input}");
            assert_eq!(redact_url_credentials(input), expected, "{input}");
        }
    }
}
