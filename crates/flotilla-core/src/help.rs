//! What a user can do about an error, kept apart from what went wrong so that each surface
//! renders the two in one place (the CLI as `help:` under `error:`).

use std::fmt;

/// An error that may say what to do about it. Its `Display` is the message alone; the help is
/// rendered by whoever shows the error.
pub trait Help: fmt::Display {
    /// What the user can do about it, when the message does not say so already.
    fn help(&self) -> Option<String> {
        None
    }

    /// The message followed by its help, as one text: for the surfaces that keep or send a
    /// single string (the API, stored errors).
    fn with_help(&self) -> String {
        render(&self.to_string(), self.help().as_deref())
    }
}

/// `message`, then `help` on its own indented line.
pub fn render(message: &str, help: Option<&str>) -> String {
    match help {
        Some(help) => format!("{message}\n  help: {help}"),
        None => message.to_owned(),
    }
}

/// A message built on the spot says what to do in its own words.
impl Help for String {}

impl Help for &str {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_follows_the_message_on_its_own_line() {
        assert_eq!(
            render("it broke", Some("mend it")),
            "it broke\n  help: mend it"
        );
        assert_eq!(render("it broke", None), "it broke");
        assert_eq!("plain".with_help(), "plain");
    }
}
