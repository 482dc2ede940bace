//! What the loader says about a manifest it refuses.

use std::fmt;

use serde::Serialize;

use crate::yaml::TextPos;

/// One problem, at the line and column of the node it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
    /// What to do about it, when that is not obvious from the message.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let located = format!(
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        );
        f.write_str(&crate::help::render(&located, self.help.as_deref()))
    }
}

/// Every problem found in a manifest, in file order. Nothing was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct ManifestErrors {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ManifestErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

/// A problem before the file name is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub pos: TextPos,
    pub message: String,
    pub help: Option<String>,
}

impl Finding {
    pub fn new(pos: TextPos, message: impl Into<String>) -> Self {
        Self {
            pos,
            message: message.into(),
            help: None,
        }
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

impl ManifestErrors {
    /// Sorts `findings` by position (stable, so several problems at one node keep the order in
    /// which the checks found them) and names the file.
    pub(crate) fn new(file: &str, mut findings: Vec<Finding>) -> Self {
        findings.sort_by_key(|f| f.pos);
        findings.dedup();
        Self {
            diagnostics: findings
                .into_iter()
                .map(|f| Diagnostic {
                    file: file.to_owned(),
                    line: f.pos.line,
                    column: f.pos.column,
                    message: f.message,
                    help: f.help,
                })
                .collect(),
        }
    }
}

/// Each diagnostic renders its own help under its position, so the list has none of its own.
impl crate::help::Help for ManifestErrors {}
