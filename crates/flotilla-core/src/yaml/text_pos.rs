//! The one position type of every YAML reader in core: manifest diagnostics and values-file
//! edits both point at `line:column`.

use std::fmt;

use granit_parser::Marker;
use serde_saphyr::Location;

/// A 1-based line and column (in characters) in a YAML text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct TextPos {
    pub line: u64,
    pub column: u64,
}

impl TextPos {
    /// The start of the file, for problems that belong to no node.
    pub const START: Self = Self { line: 1, column: 1 };

    pub(crate) fn from_location(location: Location) -> Self {
        if location == Location::UNKNOWN {
            Self::START
        } else {
            Self {
                line: location.line(),
                column: location.column(),
            }
        }
    }

    /// Where a parser event starts; the parser counts columns from 0.
    pub(crate) fn from_marker(marker: &Marker) -> Self {
        Self {
            line: count(marker.line()),
            column: count(marker.col()).saturating_add(1),
        }
    }

    /// Just after the last character of `text`, counting lines as YAML does: `\n`, `\r\n` and
    /// a lone `\r` each end one.
    pub(crate) fn end_of(text: &str) -> Self {
        let breaks =
            text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count();
        let last = text.rsplit(['\n', '\r']).next().unwrap_or_default();
        Self {
            line: count(breaks).saturating_add(1),
            column: count(last.chars().count()).saturating_add(1),
        }
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl fmt::Display for TextPos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}
