use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::{PublishError, Result};

/// Largest metadata file read from a distribution; real ones are a few kilobytes.
const MAX_METADATA: u64 = 16 << 20;

/// The core metadata of a wheel (`*.dist-info/METADATA`) or an sdist (`*/PKG-INFO`), as the
/// upload API's form fields: `(field, value)` in file order, repeated fields repeated.
pub(crate) fn upload_fields(path: &Path, is_wheel: bool) -> Result<Vec<(String, String)>> {
    let text = if is_wheel {
        wheel_metadata(path)?
    } else {
        sdist_metadata(path)?
    };
    let text = text.ok_or_else(|| PublishError::InvalidSource {
        path: path.to_path_buf(),
        problem: format!(
            "it has no {}",
            if is_wheel {
                "`*.dist-info/METADATA`"
            } else {
                "`PKG-INFO` in its top directory"
            }
        ),
        hint: "build the distribution with a standard build backend",
    })?;
    Ok(parse(&text))
}

fn wheel_metadata(path: &Path) -> Result<Option<String>> {
    let file = File::open(path).map_err(|e| PublishError::io("read", path, e))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| not_an_archive(path, &e))?;
    let name = archive
        .file_names()
        .filter_map(std::result::Result::ok)
        .find(|n| {
            n.strip_suffix("/METADATA")
                .is_some_and(|dir| dir.ends_with(".dist-info") && !dir.contains('/'))
        })
        .map(std::borrow::Cow::into_owned);
    let Some(name) = name else {
        return Ok(None);
    };
    let entry = archive
        .by_name(&name)
        .map_err(|e| not_an_archive(path, &e))?;
    read_text(entry, path).map(Some)
}

fn sdist_metadata(path: &Path) -> Result<Option<String>> {
    let file = File::open(path).map_err(|e| PublishError::io("read", path, e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let entries = archive
        .entries()
        .map_err(|e| PublishError::io("read archive", path, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| PublishError::io("read archive", path, e))?;
        let is_pkg_info = entry.path().is_ok_and(|p| {
            let parts: Vec<_> = p.components().collect();
            parts.len() == 2 && p.ends_with("PKG-INFO")
        });
        if is_pkg_info {
            return read_text(entry, path).map(Some);
        }
    }
    Ok(None)
}

fn read_text(entry: impl Read, path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    entry
        .take(MAX_METADATA)
        .read_to_end(&mut bytes)
        .map_err(|e| PublishError::io("read archive", path, e))?;
    String::from_utf8(bytes).map_err(|_| PublishError::InvalidSource {
        path: path.to_path_buf(),
        problem: "its metadata is not UTF-8".to_owned(),
        hint: "build the distribution with a standard build backend",
    })
}

fn not_an_archive(path: &Path, cause: &zip::result::ZipError) -> PublishError {
    PublishError::InvalidSource {
        path: path.to_path_buf(),
        problem: format!("it is not a readable wheel ({cause})"),
        hint: "build the wheel again",
    }
}

/// Reads email-header metadata: `Key: value` lines (continuation lines start with
/// whitespace), then the description as the body. Field names become the upload API's:
/// lowercase with `_`, and plural for the repeated `Classifier`, `Project-URL` and
/// `License-File`.
fn parse(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut lines = text.split_inclusive('\n');
    let mut body = None;
    for line in lines.by_ref() {
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            body = Some(());
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push('\n');
                value.push_str(trimmed.trim_start());
            }
            continue;
        }
        if let Some((key, value)) = trimmed.split_once(':') {
            fields.push((field_name(key.trim()), value.trim().to_owned()));
        }
    }
    if body.is_some() {
        let description: String = lines.collect();
        if !description.trim().is_empty() {
            fields.retain(|(k, _)| k != "description");
            fields.push(("description".to_owned(), description));
        }
    }
    fields
}

fn field_name(header: &str) -> String {
    match header.to_ascii_lowercase().as_str() {
        "classifier" => "classifiers".to_owned(),
        "project-url" => "project_urls".to_owned(),
        "license-file" => "license_files".to_owned(),
        other => other.replace('-', "_"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_headers_to_upload_fields() {
        let fields = parse(
            "Metadata-Version: 2.1\nName: spaceone-core\nVersion: 1.0\n\
             Classifier: A\nClassifier: B\nRequires-Dist: x>=1\nLicense: line one\n        \
             line two\nProject-URL: Home, https://x\n\n# Title\n\nBody text\n",
        );
        let get = |k: &str| -> Vec<&str> {
            fields
                .iter()
                .filter(|(f, _)| f == k)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(get("metadata_version"), ["2.1"]);
        assert_eq!(get("name"), ["spaceone-core"]);
        assert_eq!(get("classifiers"), ["A", "B"]);
        assert_eq!(get("requires_dist"), ["x>=1"]);
        assert_eq!(get("license"), ["line one\nline two"]);
        assert_eq!(get("project_urls"), ["Home, https://x"]);
        assert_eq!(get("description"), ["# Title\n\nBody text\n"]);
    }
}
