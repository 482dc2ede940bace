use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::atomic_file::write_atomic;
use crate::{PublishError, Result};

const HINT: &str = "keep package.json a JSON object whose `name` and `version` are top-level \
                    strings";

/// A package's `package.json`, read to set its `version` before `npm pack`.
///
/// Only the bytes of the version's value change (a missing `version` is added as the first
/// key), so indentation, key order and the final newline stay as the authors wrote them.
#[derive(Debug, Clone)]
pub struct PackageJson {
    path: PathBuf,
    text: String,
    value: serde_json::Value,
}

impl PackageJson {
    /// Reads `<directory>/package.json`.
    pub fn load(directory: &Path) -> Result<Self> {
        let path = directory.join("package.json");
        let bytes = std::fs::read(&path).map_err(|e| PublishError::io("read", &path, e))?;
        let text = String::from_utf8(bytes).map_err(|_| PublishError::InvalidSource {
            path: path.clone(),
            problem: "it is not UTF-8".to_owned(),
            hint: HINT,
        })?;
        let value = parse(&path, &text)?;
        Ok(Self { path, text, value })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The top-level `name`, when it is a string.
    pub fn name(&self) -> Option<&str> {
        self.value.get("name").and_then(serde_json::Value::as_str)
    }

    /// The top-level `version`, when it is a string.
    pub fn version(&self) -> Option<&str> {
        self.value
            .get("version")
            .and_then(serde_json::Value::as_str)
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Sets the top-level `version` to `version` (`SemVer`) in the text; [`Self::save`] writes
    /// it.
    pub fn set_version(&mut self, version: &str) -> Result<()> {
        let invalid = |problem: String| PublishError::InvalidSource {
            path: self.path.clone(),
            problem,
            hint: HINT,
        };
        semver::Version::parse(version).map_err(|e| PublishError::InvalidVersion {
            scheme: "SemVer",
            version: version.to_owned(),
            cause: e.to_string(),
        })?;
        let quoted = serde_json::Value::from(version).to_string();
        let text = match top_level_value(&self.text, "version").map_err(&invalid)? {
            Some(span) => {
                if !self.text[span.clone()].starts_with('"') {
                    return Err(invalid("its `version` is not a string".to_owned()));
                }
                format!(
                    "{}{quoted}{}",
                    &self.text[..span.start],
                    &self.text[span.end..]
                )
            }
            None => insert_first(&self.text, &format!("\"version\": {quoted}"))
                .ok_or_else(|| invalid("it is not a JSON object".to_owned()))?,
        };
        let value = parse(&self.path, &text)?;
        if value.get("version").and_then(serde_json::Value::as_str) != Some(version) {
            return Err(invalid(
                "its `version` does not read back as written (a duplicate key?)".to_owned(),
            ));
        }
        self.text = text;
        self.value = value;
        Ok(())
    }

    /// Writes the text back, atomically.
    pub fn save(&self) -> Result<()> {
        write_atomic(&self.path, self.text.as_bytes())
    }
}

fn parse(path: &Path, text: &str) -> Result<serde_json::Value> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| PublishError::InvalidSource {
            path: path.to_path_buf(),
            problem: format!("it is not valid JSON ({e})"),
            hint: HINT,
        })?;
    if !value.is_object() {
        return Err(PublishError::InvalidSource {
            path: path.to_path_buf(),
            problem: "it is not a JSON object".to_owned(),
            hint: HINT,
        });
    }
    Ok(value)
}

/// The byte range of the value of the top-level `key` of a JSON object, `None` when the object
/// has no such key. The text is known to be valid JSON.
fn top_level_value(text: &str, key: &str) -> Result<Option<Range<usize>>, String> {
    let bytes = text.as_bytes();
    let mut depth = 0_usize;
    let mut i = 0;
    let mut found = None;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i);
                if depth == 1 {
                    let after = skip_space(bytes, end);
                    if bytes.get(after) == Some(&b':')
                        && serde_json::from_str::<String>(&text[i..end]).is_ok_and(|k| k == key)
                    {
                        if found.is_some() {
                            return Err(format!("it has the key `{key}` twice"));
                        }
                        let start = skip_space(bytes, after + 1);
                        found = Some(start..value_end(bytes, start));
                    }
                }
                i = end;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(found)
}

/// The index after the closing quote of the string starting at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The end of the scalar value (string, number, literal) at `start`; a nested value ends at
/// its start, which the caller refuses as not a string.
fn value_end(bytes: &[u8], start: usize) -> usize {
    match bytes.get(start) {
        Some(b'"') => string_end(bytes, start),
        Some(b'{' | b'[') | None => start,
        Some(_) => {
            let mut i = start;
            while bytes
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
            {
                i += 1;
            }
            i
        }
    }
}

/// Inserts `member` as the first member of the top-level object, indented like the next line.
fn insert_first(text: &str, member: &str) -> Option<String> {
    let open = text.find('{')?;
    let rest = &text[open + 1..];
    let next = rest.trim_start();
    if next.starts_with('}') {
        return Some(format!("{}{{{member}{rest}", &text[..open]));
    }
    let gap = &rest[..rest.len() - next.len()];
    Some(format!("{}{{{gap}{member},{rest}", &text[..open]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_version(text: &str, version: &str) -> Result<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("package.json"), text).unwrap();
        let mut json = PackageJson::load(dir.path())?;
        json.set_version(version)?;
        Ok(json.text().to_owned())
    }

    #[test]
    fn only_the_version_bytes_change() {
        let text = "{\n    \"name\": \"ui\",\n    \"version\": \"0.0.0\",\n    \"dependencies\": \
                    {\"version\": \"x\"},\n    \"files\": [\"dist\"]\n}\n";
        assert_eq!(
            with_version(text, "1.2.0-rc.1").unwrap(),
            text.replace("\"0.0.0\"", "\"1.2.0-rc.1\"")
        );
    }

    #[test]
    fn a_missing_version_is_added_first() {
        assert_eq!(
            with_version("{\n  \"name\": \"ui\"\n}\n", "1.0.0").unwrap(),
            "{\n  \"version\": \"1.0.0\",\n  \"name\": \"ui\"\n}\n"
        );
        assert_eq!(
            with_version("{}", "1.0.0").unwrap(),
            "{\"version\": \"1.0.0\"}"
        );
    }

    #[test]
    fn refuses_what_it_cannot_edit() {
        for text in [
            "{\"version\": 1}",
            "{\"version\": {\"a\": 1}}",
            "[1]",
            "{\"name\": ",
        ] {
            assert!(with_version(text, "1.0.0").is_err(), "{text}");
        }
        assert!(with_version("{\"version\": \"0.0.0\"}", "1.0").is_err());
    }
}
