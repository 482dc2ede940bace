//! A step's captured output: a file per step, every line redacted before it is written.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::redactor::Redactor;

/// Appends redacted lines to one step's log file. Cloning shares the file, so a child's stdout
/// and stderr can be written from two threads.
#[derive(Debug, Clone)]
pub struct StepLog {
    path: PathBuf,
    file: Arc<Mutex<File>>,
    redactor: Arc<Redactor>,
}

impl StepLog {
    pub fn create(path: &Path, redactor: Arc<Redactor>) -> std::io::Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Self {
            path: path.to_owned(),
            file: Arc::new(Mutex::new(file)),
            redactor,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line (a newline is added). Logging must not fail a step, so write errors are
    /// reported through tracing only.
    pub fn line(&self, text: impl AsRef<str>) {
        let clean = self.redactor.redact(text.as_ref()).into_owned();
        if let Ok(mut file) = self.file.lock()
            && let Err(err) = writeln!(file, "{clean}")
        {
            tracing::warn!(path = %self.path.display(), %err, "cannot write the step log");
        }
    }

    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text).into_owned()
    }
}
