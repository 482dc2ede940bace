//! One entry of a manifest's `env` list: which of flotilla's environment variables a command
//! or builder sees beyond the basics, or a value set for it.

use std::fmt;

use serde::{Serialize, Serializer};

/// Variables that hold flotilla's own secrets under their default names: the webhook secret and
/// the bearer tokens of `flotilla serve`. No command ever sees them.
pub const FLOTILLA_SECRET_ENV: &[&str] = &[
    "FLOTILLA_HOOK_SECRET",
    "FLOTILLA_REGISTRY_TOKEN",
    "FLOTILLA_API_TOKEN",
];

/// `NAME` passes flotilla's value of `NAME` (when set), `PREFIX*` every variable whose name
/// starts with `PREFIX`, and `NAME=value` sets `NAME` to `value` (the compose file's spelling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvEntry {
    Pass(String),
    PassPrefix(String),
    Set { name: String, value: String },
}

impl EnvEntry {
    /// Reads an entry; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (name, value) = match text.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (text, None),
        };
        let (bare, prefix) = match name.strip_suffix('*') {
            Some(bare) if value.is_none() => (bare, true),
            _ => (name, false),
        };
        let valid = bare
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!(
                "`{text}` is not `NAME`, `PREFIX*` or `NAME=value` with a variable name of \
                 letters, digits and `_`"
            ));
        }
        Ok(match (value, prefix) {
            (Some(value), _) => Self::Set {
                name: bare.to_owned(),
                value: value.to_owned(),
            },
            (None, true) => Self::PassPrefix(bare.to_owned()),
            (None, false) => Self::Pass(bare.to_owned()),
        })
    }

    /// Whether this entry would hand flotilla's variable `name` to the command.
    pub fn passes(&self, name: &str) -> bool {
        match self {
            Self::Pass(pass) => pass == name,
            Self::PassPrefix(prefix) => name.starts_with(prefix.as_str()),
            Self::Set { .. } => false,
        }
    }

    /// The first of `names` this entry would pass or overwrite: a secret it must not touch.
    pub fn touches<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> Option<&'n str> {
        names.into_iter().find(|name| match self {
            Self::Set { name: set, .. } => set == name,
            _ => self.passes(name),
        })
    }
}

impl fmt::Display for EnvEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pass(name) => f.write_str(name),
            Self::PassPrefix(prefix) => write!(f, "{prefix}*"),
            Self::Set { name, value } => write!(f, "{name}={value}"),
        }
    }
}

impl Serialize for EnvEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_as_the_compose_file_spells_them() {
        assert_eq!(
            EnvEntry::parse("CARGO_HOME"),
            Ok(EnvEntry::Pass("CARGO_HOME".into()))
        );
        assert_eq!(
            EnvEntry::parse("NPM_CONFIG_*"),
            Ok(EnvEntry::PassPrefix("NPM_CONFIG_".into()))
        );
        assert_eq!(
            EnvEntry::parse("RUST_LOG=debug=1"),
            Ok(EnvEntry::Set {
                name: "RUST_LOG".into(),
                value: "debug=1".into()
            })
        );
        assert_eq!(EnvEntry::parse("A=").unwrap().to_string(), "A=");
        for bad in ["", "*", "1A", "A B", "A-B", "A*=x", "=x", "A*B"] {
            assert!(EnvEntry::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_entry_touches_the_secret_names_it_would_pass_or_set() {
        let secrets = ["FLOTILLA_HOOK_SECRET", "PYPI_TOKEN"];
        let touches = |text: &str| EnvEntry::parse(text).unwrap().touches(secrets);
        assert_eq!(touches("FLOTILLA_*"), Some("FLOTILLA_HOOK_SECRET"));
        assert_eq!(touches("_*"), None);
        assert_eq!(touches("PYPI_TOKEN=x"), Some("PYPI_TOKEN"));
        assert_eq!(touches("PYPI_TOKEN"), Some("PYPI_TOKEN"));
        assert_eq!(touches("FLOTILLA_E2E_*"), None);
        assert_eq!(touches("PYPI"), None);
    }
}
