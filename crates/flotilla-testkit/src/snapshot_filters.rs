use std::path::Path;

/// The filters that make a command's output the same on every run, for insta snapshots:
/// temporary paths, times, durations, build stamps, ids, commit hashes and digests become
/// placeholders. Paths first, so that a hash inside a path is not half replaced.
#[must_use]
#[derive(Debug, Clone)]
pub struct SnapshotFilters {
    filters: Vec<(String, String)>,
}

impl Default for SnapshotFilters {
    fn default() -> Self {
        Self::new()
    }
}

impl SnapshotFilters {
    /// The filters every snapshot of flotilla's output needs.
    pub fn new() -> Self {
        let filters = [
            (r"sha256:[0-9a-f]{64}", "[DIGEST]"),
            (r"\b[0-9a-f]{64}\b", "[SHA256]"),
            (r"\b[0-9a-f]{40}\b", "[OID]"),
            (
                r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
                "[UUID]",
            ),
            (
                r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
                "[TIME]",
            ),
            (r"\b20\d{6}\.\d{6}\b", "[STAMP]"),
            // flotilla's ids: ULIDs.
            (r"\b[0-9A-HJKMNP-TV-Z]{26}\b", "[ID]"),
            (r"\b\d+(\.\d+)?(ms|µs|s)\b", "[DURATION]"),
        ];
        Self {
            filters: filters
                .iter()
                .map(|(pattern, replacement)| ((*pattern).to_owned(), (*replacement).to_owned()))
                .collect(),
        }
    }

    /// Replaces `path` (and anything below it) with `[NAME]`, ahead of the other filters.
    pub fn path(mut self, path: &Path, name: &str) -> Self {
        let mut paths = vec![path.to_path_buf()];
        if let Ok(canonical) = path.canonicalize() {
            paths.push(canonical);
        }
        for path in paths.into_iter().rev() {
            self.filters.insert(
                0,
                (escape(&path.display().to_string()), format!("[{name}]")),
            );
        }
        self
    }

    /// Collapses runs of spaces between columns to two: a table's column widths follow the
    /// widths of the values a filter replaced (a time has as many fractional digits as it
    /// needs), so only the columns' order and content are pinned.
    pub fn columns(self) -> Self {
        self.filter(r"([^ \n])  +", "$1  ")
    }

    /// One more filter: a regular expression and its replacement.
    pub fn filter(mut self, pattern: &str, replacement: &str) -> Self {
        self.filters
            .push((pattern.to_owned(), replacement.to_owned()));
        self
    }

    /// insta's settings with these filters.
    pub fn settings(&self) -> insta::Settings {
        let mut settings = insta::Settings::clone_current();
        for (pattern, replacement) in &self.filters {
            settings.add_filter(pattern, replacement.as_str());
        }
        settings.set_prepend_module_to_snapshot(false);
        settings
    }

    /// Runs `f` (which asserts snapshots) with these filters.
    pub fn bind<R>(&self, f: impl FnOnce() -> R) -> R {
        self.settings().bind(f)
    }
}

/// `text` as a regular expression matching exactly it.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
