//! Shape rules for the strings of a manifest. Each returns what is wrong, for a message; the
//! caller knows where the string was written.

/// Why a rule refused a string: the message, and what the rule is when that helps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub reason: String,
    pub help: Option<String>,
}

impl Refusal {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

pub(crate) const NAME_RULE: &str = "names become file paths and git refs: lowercase letters, \
     digits, `.`, `_` and `-`, starting with a letter or digit, at most 100 characters, no `..`, \
     not ending in `.lock`";

/// Names of repositories, registries, categories, environments, notifications and commands:
/// `^[a-z0-9][a-z0-9._-]{0,99}$`, without `..`, not ending in `.lock`.
pub(crate) fn name(name: &str) -> Result<(), Refusal> {
    let reason = if name.is_empty() {
        Some("is empty".to_owned())
    } else if name.chars().count() > 100 {
        Some("is longer than 100 characters".to_owned())
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        Some("must start with a lowercase letter or a digit".to_owned())
    } else if let Some(c) = name
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')))
    {
        Some(format!("contains {c:?}"))
    } else if name.contains("..") {
        Some("contains `..`".to_owned())
    } else if has_lock_suffix(name) {
        Some("ends in `.lock`".to_owned())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Refusal::new(reason).help(NAME_RULE)),
        None => Ok(()),
    }
}

/// git reserves `*.lock` for its lock files, exactly (case-sensitively).
fn has_lock_suffix(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, suffix)| suffix == "lock")
}

/// An environment variable name, `^[A-Z_][A-Z0-9_]*$`. The refused value is not repeated: it
/// may be the secret itself.
pub(crate) fn env_name(value: &str) -> Result<(), Refusal> {
    let valid = value.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(
            Refusal::new("is not an environment variable name (`^[A-Z_][A-Z0-9_]*$`)").help(
                "name the environment variable, not the secret: for example `SLACK_WEBHOOK_URL`",
            ),
        )
    }
}

/// A path inside a repository: relative, and never leaving it.
pub(crate) fn relative_path(path: &str) -> Result<(), Refusal> {
    let refused = if path.is_empty() {
        Some("is empty")
    } else if path.starts_with('/') || path.starts_with('\\') || path.contains(':') {
        Some("is not relative to the repository root")
    } else if path.split(['/', '\\']).any(|part| part == "..") {
        Some("leaves the repository (`..`)")
    } else if path.chars().any(char::is_control) {
        Some("contains a control character")
    } else {
        None
    };
    match refused {
        Some(reason) => Err(Refusal::new(reason)
            .help("write a path relative to the repository root, such as `deploy/helm`")),
        None => Ok(()),
    }
}

/// A git branch or tag name, by the rules of `git check-ref-format`.
pub(crate) fn ref_name(name: &str) -> Result<(), Refusal> {
    let refused = if name.is_empty() {
        Some("is empty".to_owned())
    } else if let Some(c) = name.chars().find(|&c| {
        c.is_control() || c == ' ' || matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    }) {
        Some(format!("contains {c:?}"))
    } else if name.contains("..") || name.contains("@{") || name.contains("//") {
        Some("contains `..`, `@{` or `//`".to_owned())
    } else if name.starts_with(['/', '-', '.']) || name.ends_with(['/', '.']) {
        Some("starts with `/`, `-` or `.`, or ends with `/` or `.`".to_owned())
    } else if has_lock_suffix(name) || name == "@" || name.split('/').any(|p| p.starts_with('.')) {
        Some("is not a valid git ref name".to_owned())
    } else {
        None
    };
    match refused {
        Some(reason) => Err(Refusal::new(reason).help("see `git check-ref-format` for the rules")),
        None => Ok(()),
    }
}

/// An OCI repository path such as `spaceone/identity`: lowercase components separated by `/`.
pub(crate) fn image_name(name: &str) -> Result<(), Refusal> {
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            && c.ends_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            && c.chars().all(|ch| {
                ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-')
            })
    };
    if name.split('/').all(component_ok) {
        Ok(())
    } else {
        Err(Refusal::new("is not a valid image name").help(
            "image names are lowercase components separated by `/`, each made of letters, digits, \
             `.`, `_` and `-` and starting and ending with a letter or digit",
        ))
    }
}

/// A Python distribution name (PEP 508).
pub(crate) fn python_name(name: &str) -> Result<(), Refusal> {
    let valid = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(
            Refusal::new("is not a valid Python distribution name").help(
                "PEP 508: letters, digits, `.`, `_` and `-`, starting and ending with a letter or \
             digit",
            ),
        )
    }
}

/// An npm package name, optionally scoped (`@scope/name`).
pub(crate) fn npm_name(name: &str) -> Result<(), Refusal> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && !p.starts_with(['.', '_'])
            && p.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_' | '~')
            })
    };
    let valid = name.len() <= 214
        && match name.strip_prefix('@') {
            Some(scoped) => scoped
                .split_once('/')
                .is_some_and(|(scope, pkg)| part_ok(scope) && part_ok(pkg)),
            None => part_ok(name),
        };
    if valid {
        Ok(())
    } else {
        Err(Refusal::new("is not a valid npm package name").help(
            "npm names are lowercase, at most 214 characters, optionally scoped as `@scope/name`",
        ))
    }
}

/// A URL with a password or token in it. Only the fact is reported, never the URL.
pub(crate) fn no_inline_credentials(url: &str) -> Result<(), Refusal> {
    let has_userinfo = ["http://", "https://"]
        .iter()
        .filter_map(|scheme| url.strip_prefix(scheme))
        .any(|rest| {
            rest.split(['/', '?', '#'])
                .next()
                .is_some_and(|host| host.contains('@'))
        })
        || url.split_once("://").is_some_and(|(_, rest)| {
            rest.split('/').next().is_some_and(|host| {
                host.split_once('@')
                    .is_some_and(|(user, _)| user.contains(':'))
            })
        });
    if has_userinfo {
        Err(Refusal::new("holds credentials").help(
            "name the environment variable, not the secret: remove them from the URL and set \
             `username_env`/`password_env` or `token_env` (or use your git credential helper)",
        ))
    } else {
        Ok(())
    }
}

/// The closest of `candidates` to `word`, when it is close enough to be a typo.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Edit distance where swapping two neighbouring characters counts as one edit, the commonest
/// typo (`nmae`).
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0_usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "identity",
            "plugin-aws-ec2",
            "a",
            "0x",
            "v1.2_b",
            &"a".repeat(100),
        ] {
            assert!(name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Identity",
            "-x",
            ".x",
            "a..b",
            "x.lock",
            "a/b",
            "a b",
            &"a".repeat(101),
        ] {
            assert!(name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_names_and_credentials() {
        assert!(env_name("SLACK_WEBHOOK_URL").is_ok());
        assert!(env_name("_X1").is_ok());
        for bad in ["https://hooks.slack.com/x", "slack", "1X", ""] {
            let refusal = env_name(bad).unwrap_err();
            assert!(bad.is_empty() || !refusal.reason.contains(bad));
        }
        assert!(no_inline_credentials("https://token@github.com/o/r.git").is_err());
        assert!(no_inline_credentials("https://u:p@example.com/").is_err());
        assert!(no_inline_credentials("ssh://u:p@example.com/r").is_err());
        for ok in [
            "git@github.com:o/r.git",
            "ssh://git@host/r",
            "https://a/b@c",
            "../r.git",
        ] {
            assert!(no_inline_credentials(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn paths_refs_and_artifact_names() {
        assert!(relative_path("deploy/helm").is_ok());
        for bad in ["", "/etc", "../x", "a/../../b", "C:\\x"] {
            assert!(relative_path(bad).is_err(), "{bad}");
        }
        assert!(ref_name("release-1.10.0").is_ok());
        for bad in ["release 1", "a..b", "-x", "x.lock", "a/", "x~1", "a/.b"] {
            assert!(ref_name(bad).is_err(), "{bad}");
        }
        assert!(image_name("spaceone-dev/identity").is_ok());
        assert!(image_name("Spaceone/x").is_err());
        assert!(image_name("a//b").is_err());
        assert!(python_name("spaceone-core").is_ok());
        assert!(python_name("-x").is_err());
        assert!(npm_name("@spaceone/design-system").is_ok());
        assert!(npm_name("@x").is_err());
        assert!(npm_name("Caps").is_err());
    }

    #[test]
    fn suggests_near_misses_only() {
        let keys = ["depends_on", "default_branch", "name"];
        assert_eq!(suggest("depend_on", keys), Some("depends_on"));
        assert_eq!(suggest("nmae", keys), Some("name"));
        assert_eq!(suggest("colour", keys), None);
    }
}
