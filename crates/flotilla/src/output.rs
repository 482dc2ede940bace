//! Printing: plain text, aligned tables and JSON. The only module that writes to stdout.

#![allow(clippy::print_stdout)]

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::failure::{Failure, Outcome};

/// Writes one line to stdout. A closed pipe (`flotilla … | head`) ends output quietly: the
/// reader has what it wanted.
pub fn line(text: impl std::fmt::Display) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = writeln!(stdout, "{text}")
        && err.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// A progress line, on stderr so that stdout stays parseable; a JSON object with
/// `--log-format json`.
#[allow(clippy::print_stderr)]
pub fn progress(text: &str) {
    eprintln!(
        "{}",
        crate::log_format::LogFormat::current().progress_line(text)
    );
}

/// Whether a command already wrote its JSON result: a failure after it (a train that failed,
/// whose summary says so) must not add a second JSON value to stdout.
static JSON_WRITTEN: AtomicBool = AtomicBool::new(false);

pub fn json(value: &impl Serialize) -> Outcome {
    let text =
        serde_json::to_string_pretty(value).map_err(|err| Failure::failed(err.to_string()))?;
    line(text);
    JSON_WRITTEN.store(true, Ordering::SeqCst);
    Ok(())
}

pub fn json_written() -> bool {
    JSON_WRITTEN.load(Ordering::SeqCst)
}

/// An aligned text table; the last column is not padded.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Self {
            rows: vec![header.iter().map(|h| (*h).to_owned()).collect()],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn print(&self) {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in &self.rows {
            let mut text = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c + 1 == row.len() {
                    text.push_str(cell);
                } else {
                    text.push_str(&format!("{cell:<width$}  ", width = widths[c]));
                }
            }
            line(text.trim_end());
        }
    }
}
