//! The environment of every process flotilla starts for a repository (its commands, image
//! builders, helm): built from an allow-list, never flotilla's own, so that repository code
//! cannot read the tokens and credentials flotilla holds.

use std::ffi::OsString;
use std::process::Command;

use flotilla_core::EnvEntry;
use flotilla_core::env_entry::FLOTILLA_SECRET_ENV;

use crate::redactor::Redactor;

/// What every process gets from flotilla's environment, when set: enough to find programs,
/// a home, a locale, a time zone, a temporary directory, a terminal type and the proxies.
const BASICS: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "XDG_RUNTIME_DIR",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Prefixes of basic variables: every `LC_*` of the locale.
const BASIC_PREFIXES: &[&str] = &["LC_"];

/// Which of flotilla's variables a process may see, and which never.
#[derive(Debug, Clone)]
pub struct CommandEnv<'a> {
    /// Names never passed, whatever an entry says: the secrets flotilla knows by name.
    secret_names: Vec<&'a str>,
    /// Values never passed: the secrets flotilla holds under names it was told at run time
    /// (`serve --api-token-env`, say).
    redactor: Option<&'a Redactor>,
}

impl Default for CommandEnv<'_> {
    /// Only flotilla's own secrets under their default names are known.
    fn default() -> Self {
        Self {
            secret_names: FLOTILLA_SECRET_ENV.to_vec(),
            redactor: None,
        }
    }
}

impl<'a> CommandEnv<'a> {
    /// `secret_names` are never passed, nor any variable whose value `redactor` redacts.
    pub fn new(secret_names: Vec<&'a str>, redactor: &'a Redactor) -> Self {
        Self {
            secret_names,
            redactor: Some(redactor),
        }
    }

    /// The variables a process gets: the basics and what `entries` pass, from flotilla's
    /// environment, then the values `entries` set, in order (a later entry wins).
    pub fn vars<'e>(
        &self,
        entries: impl IntoIterator<Item = &'e EnvEntry> + Clone,
    ) -> Vec<(OsString, OsString)> {
        let mut vars: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(name, value)| {
                let Some(name) = name.to_str() else {
                    return false;
                };
                let wanted = BASICS.contains(&name)
                    || BASIC_PREFIXES.iter().any(|p| name.starts_with(p))
                    || entries.clone().into_iter().any(|e| e.passes(name));
                wanted && !self.is_secret(name, value)
            })
            .collect();
        vars.sort();
        for entry in entries {
            if let EnvEntry::Set { name, value } = entry {
                vars.retain(|(n, _)| n.as_os_str() != name.as_str());
                vars.push((name.into(), value.into()));
            }
        }
        vars
    }

    /// Gives `command` only the variables of [`Self::vars`]; the caller adds its own after.
    pub fn apply<'e>(
        &self,
        command: &mut Command,
        entries: impl IntoIterator<Item = &'e EnvEntry> + Clone,
    ) {
        command.env_clear().envs(self.vars(entries));
    }

    fn is_secret(&self, name: &str, value: &std::ffi::OsStr) -> bool {
        self.secret_names.contains(&name)
            || FLOTILLA_SECRET_ENV.contains(&name)
            || self
                .redactor
                .zip(value.to_str())
                .is_some_and(|(redactor, value)| redactor.is_secret(value))
    }
}
