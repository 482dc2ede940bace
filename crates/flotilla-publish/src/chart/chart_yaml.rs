use std::path::Path;

use serde_json::{Map, Value};

use crate::{PublishError, Result};

/// A chart's `Chart.yaml` with `version` and `appVersion` set for a release.
///
/// Only the bytes of those two top-level values change (a missing key is appended), so
/// comments, key order and formatting stay as the chart's authors wrote them.
pub(crate) struct ChartYaml {
    /// The file as it goes into the package.
    pub(crate) bytes: Vec<u8>,
    /// The same document parsed, as Helm's metadata (the OCI config, the index entry).
    pub(crate) metadata: Map<String, Value>,
    pub(crate) name: String,
}

const HINT: &str = "write `name`, `version` and `appVersion` as top-level keys, each with a \
                    one-line scalar value, in a valid Chart.yaml";

impl ChartYaml {
    pub(crate) fn edit(path: &Path, version: &semver::Version, app_version: &str) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| PublishError::io("read", path, e))?;
        let invalid = |problem: String| PublishError::InvalidSource {
            path: path.to_path_buf(),
            problem,
            hint: HINT,
        };
        let text = String::from_utf8(bytes).map_err(|_| invalid("it is not UTF-8".to_owned()))?;
        let version = version.to_string();
        let text = set_top_level(&text, "version", &version).map_err(&invalid)?;
        let text = set_top_level(&text, "appVersion", app_version).map_err(&invalid)?;

        let parsed: Value = serde_saphyr::from_str(&text)
            .map_err(|e| invalid(format!("it is not valid YAML once edited ({e})")))?;
        let Value::Object(metadata) = parsed else {
            return Err(invalid("it is not a YAML mapping".to_owned()));
        };
        let field = |key: &str| metadata.get(key).and_then(Value::as_str);
        // The parse must see exactly what was written: a duplicate or unusual key would
        // otherwise package a chart whose version is not the release's.
        if field("version") != Some(version.as_str()) || field("appVersion") != Some(app_version) {
            return Err(invalid(
                "its `version` or `appVersion` is not a plain top-level key".to_owned(),
            ));
        }
        if !matches!(field("apiVersion"), Some("v1" | "v2")) {
            return Err(invalid("its `apiVersion` is not `v1` or `v2`".to_owned()));
        }
        let name = field("name")
            .filter(|n| valid_chart_name(n))
            .ok_or_else(|| {
                invalid(
                    "its `name` is missing or not made of letters, digits, `.`, `_` and `-`"
                        .to_owned(),
                )
            })?
            .to_owned();
        Ok(Self {
            bytes: text.into_bytes(),
            metadata,
            name,
        })
    }
}

/// Helm's chart name rule; `.` and `..` would also escape the package's top directory.
fn valid_chart_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Replaces the value of the top-level `key` with `value` double-quoted (a string whatever it
/// looks like: `1.10` stays `1.10`, not a float), keeping any comment after it; appends the key
/// when the document has none.
fn set_top_level(text: &str, key: &str, value: &str) -> Result<String, String> {
    let quoted = serde_json::to_string(value).map_err(|e| e.to_string())?;
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::with_capacity(text.len() + quoted.len());
    let mut found = false;
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix(key).and_then(|r| r.strip_prefix(':')) else {
            out.push_str(line);
            continue;
        };
        if !(rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n'])) {
            out.push_str(line);
            continue;
        }
        if found {
            return Err(format!("it has the key `{key}` twice"));
        }
        found = true;
        let (start, end) =
            value_span(rest).ok_or_else(|| format!("its `{key}` is not a one-line scalar"))?;
        let plain = !rest[start..].starts_with(['"', '\'']);
        if plain && continues(&lines[i + 1..]) {
            return Err(format!("its `{key}` spans several lines"));
        }
        out.push_str(&line[..line.len() - rest.len()]);
        out.push_str(&rest[..start]);
        out.push_str(&quoted);
        out.push_str(&rest[end..]);
    }
    if !found {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(newline);
        }
        out.push_str(key);
        out.push_str(": ");
        out.push_str(&quoted);
        out.push_str(newline);
    }
    Ok(out)
}

/// Start and end of the scalar in `rest` (what follows `key:` on its line), or `None` when the
/// value is not a one-line scalar: empty (a nested block), a block scalar, a flow collection,
/// an alias, a tag or an unterminated quote.
fn value_span(rest: &str) -> Option<(usize, usize)> {
    let start = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let value = &rest[start..];
    let line_end = value.find(['\r', '\n']).unwrap_or(value.len());
    let value = &value[..line_end];
    let first = value.chars().next()?;
    let len = match first {
        '#' | '|' | '>' | '[' | '{' | '&' | '*' | '!' | '%' | '@' | '`' => return None,
        '"' => {
            let mut escaped = false;
            let close = value[1..].char_indices().find_map(|(i, c)| {
                let found = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                found.then_some(i)
            })?;
            close + 2
        }
        '\'' => {
            let bytes = value.as_bytes();
            let mut i = 1;
            loop {
                match bytes.get(i) {
                    None => return None,
                    Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                    Some(b'\'') => break i + 1,
                    Some(_) => i += 1,
                }
            }
        }
        _ => {
            let comment = value
                .match_indices('#')
                .find(|(i, _)| value[..*i].ends_with([' ', '\t']))
                .map_or(value.len(), |(i, _)| i);
            value[..comment].trim_end().len()
        }
    };
    Some((start, start + len))
}

/// Whether the lines after a plain scalar continue it: the next line that is neither blank
/// nor a comment is indented.
fn continues(following: &[&str]) -> bool {
    following
        .iter()
        .find(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .is_some_and(|l| l.starts_with([' ', '\t']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_the_value_and_keeps_comments() {
        let text = "# top\napiVersion: v2\nname: demo\nversion: 0.1.0 # bumped by CI\n\
                    appVersion: '1.0'\ndescription: x\n";
        let edited = set_top_level(text, "version", "1.2.3").unwrap();
        assert_eq!(
            edited,
            "# top\napiVersion: v2\nname: demo\nversion: \"1.2.3\" # bumped by CI\n\
             appVersion: '1.0'\ndescription: x\n"
        );
        let edited = set_top_level(&edited, "appVersion", "1.10").unwrap();
        assert!(edited.contains("appVersion: \"1.10\"\ndescription: x\n"));
    }

    #[test]
    fn handles_quotes_missing_keys_and_crlf() {
        assert_eq!(
            set_top_level(
                "version: \"0.1 # not a comment\"  # c\r\n",
                "version",
                "2.0.0"
            )
            .unwrap(),
            "version: \"2.0.0\"  # c\r\n"
        );
        assert_eq!(
            set_top_level("version: 'it''s'\n", "version", "1.0.0").unwrap(),
            "version: \"1.0.0\"\n"
        );
        assert_eq!(
            set_top_level("name: a\r\nversionx: 1", "version", "1.0.0").unwrap(),
            "name: a\r\nversionx: 1\r\nversion: \"1.0.0\"\r\n"
        );
        // Nested keys of the same name are not the chart's.
        assert_eq!(
            set_top_level("dependencies:\n  - version: 1.0.0\n", "version", "2.0.0").unwrap(),
            "dependencies:\n  - version: 1.0.0\nversion: \"2.0.0\"\n"
        );
    }

    #[test]
    fn refuses_values_it_cannot_edit_in_place() {
        for text in [
            "version: |\n  1.0.0\n",
            "version:\n  1.0.0\n",
            "version: 1.0\n  .0\n",
            "version: \"1.0\n",
            "version: 1\nversion: 2\n",
            "version: &v 1.0.0\n",
        ] {
            assert!(set_top_level(text, "version", "2.0.0").is_err(), "{text:?}");
        }
    }
}
