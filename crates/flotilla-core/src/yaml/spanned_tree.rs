//! The manifest as a tree of YAML nodes that remember where they were written.
//!
//! serde-saphyr parses the text (syntax, anchors, merge keys, budgets) and its `Spanned` wrapper
//! gives every node its line and column; this tree keeps them so that the typed structs can be
//! read one unit at a time (see the manifest's `node_deserializer`) and so that semantic checks can
//! point at the node they refuse, e.g. the second entry of a repository's `depends_on`.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, Location, Spanned};

use super::text_pos::TextPos;

/// Index of a node in [`Tree::nodes`], in document order.
pub(crate) type NodeId = usize;

#[derive(Debug)]
pub(crate) struct Node {
    pub id: NodeId,
    pub pos: TextPos,
    pub value: Value,
}

#[derive(Debug)]
pub(crate) enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A scalar as YAML resolved it, with the text the author wrote: a string field accepts a plain
/// `1.10` or `no` as that text, the way serde-saphyr itself reads strings.
#[derive(Debug)]
pub(crate) struct Scalar {
    pub kind: ScalarKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ScalarKind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub key: String,
    pub key_pos: TextPos,
    pub value: Node,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    pub fn item(&self, index: usize) -> Option<&Node> {
        match &self.value {
            Value::Seq(items) => items.get(index),
            _ => None,
        }
    }

    /// The text of a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(Scalar {
                kind: ScalarKind::Str,
                text,
            }) => Some(text),
            _ => None,
        }
    }

    /// What a node is, for messages: `a string "x"`, `a mapping`.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Scalar(s) => match s.kind {
                ScalarKind::Null => "nothing (null)".to_owned(),
                ScalarKind::Bool(b) => format!("the boolean `{b}`"),
                ScalarKind::Int(_) => format!("the integer `{}`", s.text),
                ScalarKind::Float(_) => format!("the number `{}`", s.text),
                ScalarKind::Str => format!("the string {:?}", s.text),
            },
            Value::Seq(_) => "a list".to_owned(),
            Value::Map(_) => "a mapping".to_owned(),
        }
    }

    fn visit<'a>(&'a self, out: &mut Vec<&'a Node>) {
        out.push(self);
        match &self.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => items.iter().for_each(|n| n.visit(out)),
            Value::Map(entries) => entries.iter().for_each(|e| e.value.visit(out)),
        }
    }
}

/// Walks down from a node by keys and indices, staying at the deepest node that exists, so that
/// a problem with a missing key points at the mapping that lacks it.
#[derive(Clone, Copy)]
pub(crate) struct Cursor<'a> {
    node: &'a Node,
    pos: TextPos,
}

impl<'a> Cursor<'a> {
    pub fn new(node: &'a Node) -> Self {
        Self {
            node,
            pos: node.pos,
        }
    }

    pub fn key(self, key: &str) -> Self {
        self.node.get(key).map_or(self, Self::new)
    }

    /// The position of the key itself rather than of its value.
    pub fn key_pos(self, key: &str) -> TextPos {
        self.node.entry(key).map_or(self.pos, |e| e.key_pos)
    }

    pub fn index(self, index: usize) -> Self {
        self.node.item(index).map_or(self, Self::new)
    }

    pub fn pos(self) -> TextPos {
        self.pos
    }
}

/// The parsed manifest.
pub(crate) struct Tree {
    root: Node,
}

impl Tree {
    /// Parses `text`; a syntax error comes back with its position and serde-saphyr's message.
    pub fn parse(text: &str) -> Result<Self, (TextPos, String)> {
        let options = serde_saphyr::options! {
            // Only `true` and `false` are booleans: `no` is a string (the Norway problem).
            strict_booleans: true,
            // Repeated keys reach the tree, which reports every one with both positions.
            duplicate_keys: DuplicateKeyPolicy::PassThrough,
            with_snippet: false,
        };
        let raw: Spanned<Raw> =
            serde_saphyr::from_str_with_options(text, options).map_err(|err| {
                let err = err.without_snippet();
                let pos = err
                    .location()
                    .map_or(TextPos::START, TextPos::from_location);
                let message = serde_saphyr::MessageFormatter::format_message(
                    &serde_saphyr::UserMessageFormatter,
                    err,
                );
                (pos, sanitize(&message))
            })?;
        let mut next = 0;
        Ok(Self {
            root: build(raw, text, &mut next),
        })
    }

    pub fn root(&self) -> &Node {
        &self.root
    }

    /// Every node by [`NodeId`].
    pub fn index(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        self.root.visit(&mut out);
        out
    }
}

/// Messages may quote the input: keep them on one line and free of terminal control codes.
fn sanitize(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn build(raw: Spanned<Raw>, text: &str, next: &mut NodeId) -> Node {
    let id = *next;
    *next += 1;
    let pos = TextPos::from_location(raw.referenced);
    let value = match raw.value {
        Raw::Scalar(ScalarKind::Str, s) => Value::Scalar(Scalar {
            kind: ScalarKind::Str,
            text: s,
        }),
        Raw::Scalar(kind, fallback) => Value::Scalar(Scalar {
            kind,
            text: source_text(text, raw.defined).unwrap_or(fallback),
        }),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(|n| build(n, text, next)).collect()),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| Entry {
                    key: key.value,
                    key_pos: TextPos::from_location(key.referenced),
                    value: build(value, text, next),
                })
                .collect(),
        ),
    };
    Node { id, pos, value }
}

/// The characters of a plain scalar as written (for an alias, at its anchor).
fn source_text(text: &str, location: Location) -> Option<String> {
    let span = location.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    let slice = text.get(start..start.checked_add(len)?)?;
    (!slice.is_empty()).then(|| slice.to_owned())
}

/// What serde-saphyr hands over: a node of any shape with its children's spans.
enum Raw {
    /// The resolved kind and, for non-strings, a spelling to fall back on.
    Scalar(ScalarKind, String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<String>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Scalar(ScalarKind::Null, "null".to_owned()))
    }

    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Scalar(ScalarKind::Null, "null".to_owned()))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Scalar(ScalarKind::Bool(v), v.to_string()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Scalar(ScalarKind::Int(v.into()), v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Scalar(ScalarKind::Int(v.into()), v.to_string()))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Scalar(ScalarKind::Int(v), v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        i128::try_from(v)
            .map_err(|_| E::custom(format_args!("the integer {v} is too large")))
            .and_then(|v| self.visit_i128(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Scalar(ScalarKind::Float(v), v.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Scalar(ScalarKind::Str, v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Scalar(ScalarKind::Str, v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_and_written_text() {
        let tree = Tree::parse("a:\n  - x\n  - 1.10\nno: no\n").unwrap();
        let root = tree.root();
        let seq = root.get("a").unwrap();
        assert_eq!(seq.item(0).unwrap().pos, TextPos { line: 2, column: 5 });
        let float = seq.item(1).unwrap();
        assert!(matches!(&float.value, Value::Scalar(s) if s.text == "1.10"));
        assert_eq!(root.get("no").unwrap().as_str(), Some("no"));
        assert_eq!(
            root.entry("no").unwrap().key_pos,
            TextPos { line: 4, column: 1 }
        );
        let ids: Vec<NodeId> = tree.index().iter().map(|n| n.id).collect();
        assert_eq!(ids, (0..ids.len()).collect::<Vec<_>>());
    }

    #[test]
    fn keeps_repeated_keys_and_reports_syntax_errors() {
        let tree = Tree::parse("a: 1\na: 2\n").unwrap();
        assert!(matches!(&tree.root().value, Value::Map(e) if e.len() == 2));
        let (pos, message) = Tree::parse("a: [1, 2\nb: 3\n").err().unwrap();
        assert!(pos.line >= 1 && !message.is_empty(), "{pos} {message}");
    }
}
