//! Property test of the values-file edit: random block-mapping documents (comments, blank
//! lines, nesting, lists, flow decoys, three quoting styles, LF or CRLF) are generated with the
//! byte range of every scalar value; editing one must leave every byte outside that range as it
//! was, and an independent parse (serde-saphyr) must see the new value there and nothing else
//! changed.

use std::fmt::Write as _;
use std::ops::Range;

use flotilla_core::deploy::{YamlEditError, get_yaml_scalar, set_yaml_scalar};
use proptest::prelude::*;
use proptest::sample::Index;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
}

#[derive(Debug, Clone)]
enum Value {
    Scalar(Style, String),
    Map(Vec<Entry>),
    List(Vec<String>),
    /// A flow collection, written as is.
    Flow(&'static str),
}

#[derive(Debug, Clone)]
struct Entry {
    key: String,
    /// Blank lines (`None`) and comment lines before the entry.
    before: Vec<Option<String>>,
    value: Value,
    /// A comment at the end of the entry's line.
    comment: Option<String>,
}

#[derive(Debug, Clone)]
struct Doc {
    entries: Vec<Entry>,
    indent: usize,
    crlf: bool,
    header: bool,
}

struct Leaf {
    path: Vec<String>,
    style: Style,
    bytes: Range<usize>,
}

fn plain_text() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9._/-]{0,10}".prop_filter("a string when plain", |s| {
        !matches!(
            s.as_str(),
            "null" | "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false"
        ) && !s.starts_with(|c: char| c.is_ascii_digit())
    })
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,12}",
        "[a-zA-Z0-9 #:'\"\\\\,\\[\\]{}&*!|>%@`é한\u{2028}]{0,10}",
    ]
}

fn version_text() -> impl Strategy<Value = String> {
    (
        0u32..20,
        0u32..20,
        0u32..20,
        prop::option::of(prop_oneof![
            (1u32..12).prop_map(|n| format!("rc{n}")),
            (1u32..5).prop_map(|n| format!(".{n}")),
        ]),
        prop::option::of((20_200_101u32..20_301_231, 0u32..235_959)),
    )
        .prop_map(|(x, y, z, stage, stamp)| {
            let mut text = format!("{x}.{y}.{z}{}", stage.unwrap_or_default());
            if let Some((date, time)) = stamp {
                let _ = write!(text, ".{date:08}.{time:06}");
            }
            text
        })
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        plain_text().prop_map(|s| Value::Scalar(Style::Plain, s)),
        version_text().prop_map(|s| Value::Scalar(Style::Plain, s)),
        "[ -~]{0,10}".prop_map(|s| Value::Scalar(Style::Single, s)),
        any_text().prop_map(|s| Value::Scalar(Style::Double, s)),
    ]
}

fn comment() -> impl Strategy<Value = String> {
    "[ -~é]{0,12}"
}

fn entries(value: BoxedStrategy<Value>) -> impl Strategy<Value = Vec<Entry>> {
    prop::collection::vec(
        (
            "[a-z][a-z0-9_]{0,5}",
            prop::collection::vec(prop::option::of(comment()), 0..2),
            value,
            prop::option::of(comment()),
        ),
        1..5,
    )
    .prop_map(|raw| {
        let mut seen = Vec::new();
        raw.into_iter()
            .enumerate()
            .map(|(i, (key, before, value, comment))| {
                // Keys are unique inside a mapping; generated duplicates get their index.
                let key = if seen.contains(&key) {
                    format!("{key}{i}")
                } else {
                    key
                };
                seen.push(key.clone());
                Entry {
                    key,
                    before,
                    value,
                    comment,
                }
            })
            .collect()
    })
}

fn doc() -> impl Strategy<Value = Doc> {
    let leaf = prop_oneof![
        6 => scalar(),
        1 => prop::collection::vec(plain_text(), 1..3).prop_map(Value::List),
        1 => prop_oneof![Just("[a, b]"), Just("{k: v, n: 1}"), Just("[]")].prop_map(Value::Flow),
    ];
    let value = leaf.prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            2 => inner.clone(),
            1 => entries(inner.boxed()).prop_map(Value::Map),
        ]
    });
    (
        entries(value.boxed()),
        2usize..5,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(entries, indent, crlf, header)| Doc {
            entries,
            indent,
            crlf,
            header,
        })
}

/// Renders a document and records where each scalar value's bytes are.
fn render(doc: &Doc) -> (String, Vec<Leaf>) {
    let mut out = String::new();
    let mut leaves = Vec::new();
    let eol = if doc.crlf { "\r\n" } else { "\n" };
    if doc.header {
        out.push_str("# generated");
        out.push_str(eol);
        out.push_str("---");
        out.push_str(eol);
    }
    render_entries(doc, &doc.entries, 0, &mut Vec::new(), &mut out, &mut leaves);
    (out, leaves)
}

fn render_entries(
    doc: &Doc,
    entries: &[Entry],
    depth: usize,
    path: &mut Vec<String>,
    out: &mut String,
    leaves: &mut Vec<Leaf>,
) {
    let eol = if doc.crlf { "\r\n" } else { "\n" };
    let pad = " ".repeat(doc.indent * depth);
    for entry in entries {
        for line in &entry.before {
            if let Some(text) = line {
                let _ = write!(out, "{pad}#{text}");
            }
            out.push_str(eol);
        }
        let _ = write!(out, "{pad}{}:", entry.key);
        let comment = entry
            .comment
            .as_ref()
            .map(|c| format!(" #{c}"))
            .unwrap_or_default();
        path.push(entry.key.clone());
        match &entry.value {
            Value::Scalar(style, text) => {
                out.push(' ');
                let start = out.len();
                out.push_str(&spell(*style, text));
                leaves.push(Leaf {
                    path: path.clone(),
                    style: *style,
                    bytes: start..out.len(),
                });
                out.push_str(&comment);
                out.push_str(eol);
            }
            Value::Flow(text) => {
                let _ = write!(out, " {text}{comment}{eol}");
            }
            Value::List(items) => {
                let _ = write!(out, "{comment}{eol}");
                for item in items {
                    let _ = write!(out, "{pad}{}- {item}{eol}", " ".repeat(doc.indent));
                }
            }
            Value::Map(children) => {
                let _ = write!(out, "{comment}{eol}");
                render_entries(doc, children, depth + 1, path, out, leaves);
            }
        }
        path.pop();
    }
}

fn spell(style: Style, text: &str) -> String {
    match style {
        Style::Plain => text.to_owned(),
        Style::Single => format!("'{}'", text.replace('\'', "''")),
        Style::Double => {
            let mut out = String::from("\"");
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\u{2028}' => out.push_str("\\L"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
    }
}

fn parse(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_edit_changes_exactly_one_value(
        doc in doc(),
        pick in any::<Index>(),
        version in version_text(),
        free in any_text(),
        use_version in any::<bool>(),
    ) {
        let (text, leaves) = render(&doc);
        prop_assume!(!leaves.is_empty());
        let leaf = &leaves[pick.index(leaves.len())];
        let key = leaf.path.join(".");
        let new_value = if use_version { version } else { free };
        let before = parse(&text);

        let edited = match set_yaml_scalar(&text, &key, &new_value) {
            Ok(edited) => edited,
            // A plain value may refuse text that needs quotes; versions and quoted styles never.
            Err(YamlEditError::Unrepresentable { .. })
                if leaf.style == Style::Plain && !use_version => return Ok(()),
            Err(err) => panic!("{key} = {new_value:?} refused: {err}\n{text}"),
        };

        let suffix = text.len() - leaf.bytes.end;
        prop_assert_eq!(&edited[..leaf.bytes.start], &text[..leaf.bytes.start]);
        prop_assert_eq!(&edited[edited.len() - suffix..], &text[leaf.bytes.end..]);
        prop_assert_eq!(get_yaml_scalar(&edited, &key), Some(new_value.clone()));

        let mut expected = before;
        let mut slot = &mut expected;
        for segment in &leaf.path {
            slot = slot.get_mut(segment.as_str()).expect("the generated path exists");
        }
        *slot = serde_json::Value::String(new_value);
        prop_assert_eq!(parse(&edited), expected);
    }
}
