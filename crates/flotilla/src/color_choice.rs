//! Whether the binary writes ANSI escapes: one decision for clap's help and errors, the log and
//! the progress bars.

use std::ffi::OsString;
use std::sync::OnceLock;

use clap::ValueEnum;

/// `--color`: `auto` writes escapes only to a terminal, and never when `NO_COLOR` is set to a
/// non-empty value or `TERM` is `dumb` (<https://no-color.org>).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// The choice of this process, set once by `main` before anything is printed.
static CHOICE: OnceLock<ColorChoice> = OnceLock::new();

impl ColorChoice {
    /// The `--color` value among the raw arguments, before clap parses them: clap's own help
    /// and usage errors must already follow it. The last one wins, as with clap.
    pub fn from_args(args: &[OsString]) -> Self {
        let mut choice = Self::Auto;
        let mut iter = args.iter().skip(1).map(|a| a.to_string_lossy());
        while let Some(arg) = iter.next() {
            if arg == "--" {
                break;
            }
            let value = match arg.strip_prefix("--color") {
                Some("") => iter.next().map(std::borrow::Cow::into_owned),
                Some(rest) => rest.strip_prefix('=').map(str::to_owned),
                None => None,
            };
            if let Some(parsed) = value.and_then(|v| Self::from_str(&v, true).ok()) {
                choice = parsed;
            }
        }
        choice
    }

    /// Whether a stream that is (`is_terminal`) or is not a terminal gets escapes, given the
    /// values of `NO_COLOR` and `TERM`.
    pub fn escapes(self, is_terminal: bool, no_color: Option<&str>, term: Option<&str>) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => is_terminal && no_color.is_none_or(str::is_empty) && term != Some("dumb"),
        }
    }

    /// [`ColorChoice::escapes`] for stderr, with this process's environment.
    pub fn escapes_on_stderr(self) -> bool {
        self.escapes(
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
            std::env::var("NO_COLOR").ok().as_deref(),
            std::env::var("TERM").ok().as_deref(),
        )
    }

    /// clap's choice: `auto` stays clap's (a terminal per stream) unless the environment
    /// already turns escapes off.
    pub fn for_clap(self) -> clap::ColorChoice {
        match self {
            Self::Always => clap::ColorChoice::Always,
            Self::Auto
                if self.escapes(
                    true,
                    std::env::var("NO_COLOR").ok().as_deref(),
                    std::env::var("TERM").ok().as_deref(),
                ) =>
            {
                clap::ColorChoice::Auto
            }
            Self::Never | Self::Auto => clap::ColorChoice::Never,
        }
    }

    /// Records the process's choice.
    pub fn set(self) {
        // A second call keeps the first choice: there is only one.
        let _ = CHOICE.set(self);
    }

    /// The process's choice (`auto` before `main` sets it).
    pub fn current() -> Self {
        CHOICE.get().copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_color_option_is_found_before_parsing_in_both_spellings() {
        assert_eq!(
            ColorChoice::from_args(&args(&["flotilla", "check"])),
            ColorChoice::Auto
        );
        assert_eq!(
            ColorChoice::from_args(&args(&["flotilla", "--color", "never", "check"])),
            ColorChoice::Never
        );
        assert_eq!(
            ColorChoice::from_args(&args(&["flotilla", "check", "--color=always"])),
            ColorChoice::Always
        );
        assert_eq!(
            ColorChoice::from_args(&args(&["flotilla", "logs", "--", "--color=always"])),
            ColorChoice::Auto
        );
    }

    #[test]
    fn auto_needs_a_terminal_without_no_color_or_a_dumb_term() {
        let auto = ColorChoice::Auto;
        assert!(auto.escapes(true, None, Some("xterm")));
        assert!(auto.escapes(true, Some(""), None));
        assert!(!auto.escapes(false, None, Some("xterm")));
        assert!(!auto.escapes(true, Some("1"), Some("xterm")));
        assert!(!auto.escapes(true, None, Some("dumb")));
        assert!(ColorChoice::Always.escapes(false, Some("1"), Some("dumb")));
        assert!(!ColorChoice::Never.escapes(true, None, None));
    }
}
