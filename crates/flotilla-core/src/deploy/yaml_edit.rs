//! GitOps write-back: change one scalar of a values file and nothing else.
//!
//! The text is parsed (with serde-saphyr's parser) only to find the bytes of the value; the
//! edit splices a new spelling of the value, in the same quoting style, between the untouched
//! bytes before and after it, so comments, order, indentation, blank lines and line endings
//! stay as they were. Whatever the edit could not do faithfully is refused with the position:
//! flow mappings, anchors and aliases (an edit would change other keys too, or the key is
//! defined elsewhere), merge keys, duplicate keys, block scalars, several documents.

use std::fmt::Write as _;
use std::ops::Range;

use granit_parser::ScalarStyle;

use crate::yaml::TextPos;
use crate::yaml::event_tree::{self, Kind, Node};
use crate::yaml::yaml_syntax_error::YamlSyntaxError;

/// Why a value could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YamlEditError {
    #[error(
        "invalid key path {key:?}: {reason}; write dot-separated mapping keys such as \
         `identity.image.version`"
    )]
    InvalidKey { key: String, reason: &'static str },
    #[error("the values file is not valid YAML at {pos}: {message}; fix the file first")]
    Syntax { pos: TextPos, message: String },
    #[error("the values file holds {count} YAML documents; flotilla edits a file with exactly one")]
    Documents { count: usize },
    #[error(
        "key `{key}` not found: {parent} (at {pos}) has no key `{missing}`; check the \
         environment's deploy key against the values file"
    )]
    NotFound {
        key: String,
        parent: String,
        missing: String,
        pos: TextPos,
    },
    #[error("key `{key}` not found: {parent} (at {pos}) is {found}, not a mapping")]
    NotAMapping {
        key: String,
        parent: String,
        found: &'static str,
        pos: TextPos,
    },
    #[error("`{key}` (at {pos}) is {found}; point the key at a plain or quoted value")]
    NotScalar {
        key: String,
        found: &'static str,
        pos: TextPos,
    },
    #[error("refusing to guess at `{key}` ({pos}): {reason}")]
    Ambiguous {
        key: String,
        reason: String,
        pos: TextPos,
    },
    #[error(
        "`{key}` (at {pos}) has no value; write a placeholder such as \"0.0.0\" first, so that \
         the edit only replaces a value"
    )]
    EmptyValue { key: String, pos: TextPos },
    #[error("cannot write {value:?} into `{key}` (at {pos}) as a {style} value: {reason}")]
    Unrepresentable {
        key: String,
        value: String,
        style: &'static str,
        reason: String,
        pos: TextPos,
    },
}

impl From<YamlSyntaxError> for YamlEditError {
    fn from(err: YamlSyntaxError) -> Self {
        Self::Syntax {
            pos: err.pos,
            message: err.message,
        }
    }
}

/// Replaces the value at `dotted_key` (mapping keys separated by `.`) with `new_value`, written
/// in the style the old value was written in (plain, 'single' or "double" quoted). Only that
/// value's bytes change.
///
/// A plain value stays plain only if it reads back as the same string: a new value that YAML (or
/// Helm's YAML 1.1 reader) would take for a number, boolean or null where a string was, or that
/// needs quotes, is refused rather than quoted, since quoting would change the file's style.
pub fn set_yaml_scalar(
    text: &str,
    dotted_key: &str,
    new_value: &str,
) -> Result<String, YamlEditError> {
    let target = locate(text, dotted_key)?;
    let unrepresentable = |reason: String| YamlEditError::Unrepresentable {
        key: dotted_key.to_owned(),
        value: new_value.to_owned(),
        style: style_name(target.style),
        reason,
        pos: target.pos,
    };
    let spelled = spell(target.style, &target.value, new_value).map_err(unrepresentable)?;
    let mut edited = String::with_capacity(text.len() + spelled.len());
    edited.push_str(&text[..target.bytes.start]);
    edited.push_str(&spelled);
    edited.push_str(&text[target.bytes.end..]);
    // The spelling rules cover quoting; reading back also catches a plain value that YAML
    // would split or end early (`a: b`, `x #y`, a leading `-` or `[`).
    match locate(&edited, dotted_key) {
        Ok(read) if read.value == new_value && read.style == target.style => Ok(edited),
        Ok(read) => Err(unrepresentable(format!(
            "it would read back as {:?}; quote the value in the file",
            read.value
        ))),
        Err(YamlEditError::Syntax { pos, message }) => Err(unrepresentable(format!(
            "the file would no longer parse ({message} at {pos}); quote the value in the file"
        ))),
        Err(_) => Err(unrepresentable(
            "the key would no longer hold a single plain value; quote the value in the file"
                .to_owned(),
        )),
    }
}

/// The string at `dotted_key`, or `None` when it is null, missing, or anything
/// [`set_yaml_scalar`] would refuse to edit (so a value read here can always be replaced).
pub fn get_yaml_scalar(text: &str, dotted_key: &str) -> Option<String> {
    let target = locate(text, dotted_key).ok()?;
    let null = target.style == ScalarStyle::Plain && plain_kind(&target.value) == PlainKind::Null;
    (!null).then_some(target.value)
}

/// The scalar a key path leads to.
struct Target {
    value: String,
    style: ScalarStyle,
    bytes: Range<usize>,
    pos: TextPos,
}

fn locate(text: &str, dotted_key: &str) -> Result<Target, YamlEditError> {
    let invalid = |reason| YamlEditError::InvalidKey {
        key: dotted_key.to_owned(),
        reason,
    };
    if dotted_key.is_empty() {
        return Err(invalid("it is empty"));
    }
    let segments: Vec<&str> = dotted_key.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(invalid("it has an empty segment"));
    }
    let roots = event_tree::documents(text)?;
    let [root] = &roots[..] else {
        return Err(YamlEditError::Documents { count: roots.len() });
    };
    let ambiguous = |reason: String, pos| YamlEditError::Ambiguous {
        key: dotted_key.to_owned(),
        reason,
        pos,
    };
    let mut node = root;
    let mut key_pos = root.pos;
    for (depth, segment) in segments.iter().enumerate() {
        let parent = if depth == 0 {
            "the top level".to_owned()
        } else {
            format!("`{}`", segments[..depth].join("."))
        };
        if node.anchored {
            return Err(ambiguous(
                format!(
                    "{parent} carries an anchor (&), so its aliases would change too; write the \
                     values out without anchors"
                ),
                node.pos,
            ));
        }
        let entries = match &node.kind {
            Kind::Map {
                flow: false,
                entries,
            } => entries,
            Kind::Map { flow: true, .. } => {
                return Err(ambiguous(
                    format!("{parent} is a flow mapping ({{…}}); write it as a block mapping"),
                    node.pos,
                ));
            }
            Kind::Alias => {
                return Err(ambiguous(
                    format!(
                        "{parent} is an alias (*) of a mapping defined elsewhere; write the \
                         values out without aliases"
                    ),
                    node.pos,
                ));
            }
            other => {
                return Err(YamlEditError::NotAMapping {
                    key: dotted_key.to_owned(),
                    parent,
                    found: describe(other),
                    pos: node.pos,
                });
            }
        };
        let mut found = entries.iter().filter(|(k, _)| is_key(k, segment));
        match (found.next(), found.next()) {
            (Some((key, value)), None) => {
                node = value;
                key_pos = key.pos;
            }
            (Some((first, _)), Some((second, _))) => {
                return Err(ambiguous(
                    format!(
                        "{parent} has the key `{segment}` twice, at {} and {}; remove one",
                        first.pos, second.pos
                    ),
                    second.pos,
                ));
            }
            (None, _) => {
                if let Some((merge, _)) = entries.iter().find(|(k, _)| is_key(k, "<<")) {
                    return Err(ambiguous(
                        format!(
                            "{parent} has no key `{segment}` of its own but a merge key (<<) \
                             that may supply it; write `{segment}` into {parent}"
                        ),
                        merge.pos,
                    ));
                }
                return Err(YamlEditError::NotFound {
                    key: dotted_key.to_owned(),
                    parent,
                    missing: (*segment).to_owned(),
                    pos: node.pos,
                });
            }
        }
    }
    target(node, key_pos, dotted_key)
}

/// Checks that the node a key path reached is a value that can be rewritten in place.
/// `key_pos` is where its key is written: an empty value has no position of its own.
fn target(node: &Node, key_pos: TextPos, dotted_key: &str) -> Result<Target, YamlEditError> {
    let ambiguous = |reason: &str| YamlEditError::Ambiguous {
        key: dotted_key.to_owned(),
        reason: reason.to_owned(),
        pos: node.pos,
    };
    let not_scalar = |found| YamlEditError::NotScalar {
        key: dotted_key.to_owned(),
        found,
        pos: node.pos,
    };
    let Kind::Scalar {
        value,
        style,
        bytes,
    } = &node.kind
    else {
        return Err(match &node.kind {
            Kind::Alias => ambiguous(
                "the value is an alias (*) of a value defined elsewhere; write the value out",
            ),
            other => not_scalar(describe(other)),
        });
    };
    if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
        return Err(not_scalar("a block scalar (| or >)"));
    }
    if node.anchored {
        return Err(ambiguous(
            "the value carries an anchor (&), so its aliases would change too; write the values \
             out without anchors",
        ));
    }
    if let Some(tag) = &node.tag {
        return Err(ambiguous(&format!(
            "the value carries the tag `{tag}`, and only untagged or !!str values are edited"
        )));
    }
    if bytes.is_empty() {
        return Err(YamlEditError::EmptyValue {
            key: dotted_key.to_owned(),
            pos: key_pos,
        });
    }
    Ok(Target {
        value: value.clone(),
        style: *style,
        bytes: bytes.clone(),
        pos: node.pos,
    })
}

fn is_key(node: &Node, segment: &str) -> bool {
    matches!(&node.kind, Kind::Scalar { value, .. } if value == segment)
}

fn describe(kind: &Kind) -> &'static str {
    match kind {
        Kind::Scalar { .. } => "a scalar",
        Kind::Alias => "an alias",
        Kind::Map { .. } => "a mapping",
        Kind::Seq { flow: false } => "a list",
        Kind::Seq { flow: true } => "a flow list ([…])",
    }
}

fn style_name(style: ScalarStyle) -> &'static str {
    match style {
        ScalarStyle::Plain => "plain",
        ScalarStyle::SingleQuoted => "single-quoted",
        ScalarStyle::DoubleQuoted => "double-quoted",
        ScalarStyle::Literal => "literal block",
        ScalarStyle::Folded => "folded block",
    }
}

/// Writes `new` in `style`; `old` is the value it replaces.
fn spell(style: ScalarStyle, old: &str, new: &str) -> Result<String, String> {
    match style {
        ScalarStyle::SingleQuoted => {
            if new.chars().any(char::is_control) {
                return Err(
                    "a single-quoted value cannot hold line breaks or control characters; \
                            use double quotes in the file"
                        .to_owned(),
                );
            }
            Ok(format!("'{}'", new.replace('\'', "''")))
        }
        ScalarStyle::DoubleQuoted => Ok(double_quoted(new)),
        _ => {
            let (before, after) = (plain_kind(old), plain_kind(new));
            if after != PlainKind::Str && after != before {
                return Err(format!(
                    "unquoted, YAML would read it as {} where {} was; quote the value in the file",
                    after.describe(),
                    before.describe()
                ));
            }
            Ok(new.to_owned())
        }
    }
}

fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Line and paragraph separators and the byte-order mark are invisible or break
            // lines in some readers.
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// How an unquoted scalar resolves: in YAML 1.2, and in YAML 1.1 as Helm reads values files,
/// where `yes`, `on` and `1:30` are not strings either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlainKind {
    Null,
    Bool,
    Number,
    Str,
}

impl PlainKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool => "a boolean",
            Self::Number => "a number",
            Self::Str => "a string",
        }
    }
}

fn plain_kind(text: &str) -> PlainKind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => PlainKind::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "yes" | "Yes" | "YES" | "no"
        | "No" | "NO" | "on" | "On" | "ON" | "off" | "Off" | "OFF" | "y" | "Y" | "n" | "N" => {
            PlainKind::Bool
        }
        _ if numeric(text) => PlainKind::Number,
        _ => PlainKind::Str,
    }
}

/// Errs on the side of "number": a false positive only asks for quotes.
fn numeric(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), ".inf" | ".nan") {
        return true;
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = lower.strip_prefix(prefix) {
            return !digits.is_empty() && digits.chars().all(|c| c == '_' || c.is_digit(radix));
        }
    }
    if unsigned.contains(':') {
        return unsigned
            .split(':')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit() || c == '.'));
    }
    let digits: String = unsigned.chars().filter(|&c| c != '_').collect();
    digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') && digits.parse::<f64>().is_ok()
}
