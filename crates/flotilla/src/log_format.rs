//! `--log-format`: how tracing events are written to stderr.

use std::sync::OnceLock;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (timestamp, level, fields with the message), for log shippers.
    Json,
}

/// The format of this process, set once by `main` before anything is logged.
static FORMAT: OnceLock<LogFormat> = OnceLock::new();

impl LogFormat {
    /// Records the process's format.
    pub fn set(self) {
        // A second call keeps the first format: there is only one.
        let _ = FORMAT.set(self);
    }

    /// The process's format (`text` before `main` sets it).
    pub fn current() -> Self {
        FORMAT.get().copied().unwrap_or_default()
    }

    /// A progress line as this format writes it: the text itself, or a JSON object shaped as
    /// the tracing events of the same stream (timestamp, level, fields.message, target), so
    /// that a log shipper reads one kind of line.
    pub fn progress_line(self, text: &str) -> String {
        match self {
            Self::Text => text.to_owned(),
            Self::Json => serde_json::json!({
                "timestamp": jiff::Timestamp::now().to_string(),
                "level": "INFO",
                "fields": { "message": text },
                "target": "flotilla::progress",
            })
            .to_string(),
        }
    }
}
