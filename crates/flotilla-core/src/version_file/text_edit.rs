//! Where the version's bytes sit in a file's text. Each function finds the byte range of the
//! value only (inside its quotes), so that replacing it keeps every other byte: comments, key
//! order, indentation and line endings stay as the project wrote them.

use std::ops::Range;

/// The lines of `text` with the byte offset each starts at (without the `\n`, with any `\r`).
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split('\n').map(move |line| {
        let at = start;
        start += line.len() + 1;
        (at, line)
    })
}

/// The range inside the quotes of a string starting at `rest[0]` (`'` or `"`), offset by `at`.
fn quoted(rest: &str, at: usize) -> Option<Range<usize>> {
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &rest[1..];
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\\' if quote == '"' && !escaped => escaped = true,
            '\n' => return None,
            c if c == quote && !escaped => return Some(at + 1..at + 1 + i),
            _ => escaped = false,
        }
    }
    None
}

/// The string value of the top-level `"version"` key of a JSON object.
pub(super) fn json_version(text: &str) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut expect_key = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                depth += 1;
                expect_key = depth == 1;
            }
            b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' => expect_key = depth == 1,
            b'"' => {
                let string = quoted(&text[i..], i)?;
                let end = string.end + 1;
                if expect_key && &text[string.clone()] == "version" {
                    let after = &text[end..];
                    let colon = after.len() - after.trim_start().len();
                    let after_colon = after.trim_start().strip_prefix(':')?;
                    let value_at =
                        end + colon + 1 + (after_colon.len() - after_colon.trim_start().len());
                    return text[value_at..]
                        .starts_with('"')
                        .then(|| quoted(&text[value_at..], value_at))
                        .flatten();
                }
                expect_key = false;
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The value of the top-level YAML key `key` (inside its quotes when quoted; without a
/// trailing comment).
pub(super) fn yaml_key(text: &str, key: &str) -> Option<Range<usize>> {
    for (at, line) in lines(text) {
        let Some(rest) = line.strip_prefix(key).and_then(|r| r.strip_prefix(':')) else {
            continue;
        };
        let value_at = at + key.len() + 1 + (rest.len() - rest.trim_start().len());
        let value = rest.trim_start();
        if value.starts_with(['"', '\'']) {
            return quoted(value, value_at);
        }
        let value = value.split(" #").next().unwrap_or("").trim_end();
        return (!value.is_empty()).then(|| value_at..value_at + value.len());
    }
    None
}

/// The string of a top-level `__version__ = "…"` (or `__version__: str = "…"`) line.
pub(super) fn python_version(text: &str) -> Option<Range<usize>> {
    for (at, line) in lines(text) {
        let Some(rest) = line.strip_prefix("__version__") else {
            continue;
        };
        let Some(equals) = rest.find('=') else {
            continue;
        };
        let between = rest[..equals].trim();
        if !(between.is_empty() || between.starts_with(':')) {
            continue;
        }
        let after = &rest[equals + 1..];
        let value_at =
            at + "__version__".len() + equals + 1 + (after.len() - after.trim_start().len());
        return quoted(after.trim_start(), value_at);
    }
    None
}

/// The string of `version = "…"` in the `[project]` table; `Err` when the table declares the
/// version dynamic instead.
pub(super) fn pyproject_version(text: &str) -> Result<Option<Range<usize>>, ()> {
    let mut in_project = false;
    let mut dynamic = false;
    for (at, line) in lines(text) {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            let header = trimmed.split('#').next().unwrap_or("").trim();
            in_project = header == "[project]";
            continue;
        }
        if !in_project {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let Some(rest) = line.trim_start().strip_prefix("version") else {
            if line.trim_start().starts_with("dynamic") && line.contains("\"version\"") {
                dynamic = true;
            }
            continue;
        };
        let Some(after) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value_at = at
            + indent
            + "version".len()
            + (rest.len() - after.len())
            + (after.len() - after.trim_start().len());
        return Ok(quoted(after.trim_start(), value_at));
    }
    if dynamic { Err(()) } else { Ok(None) }
}
