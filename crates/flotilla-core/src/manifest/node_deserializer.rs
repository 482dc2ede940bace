//! Reads the typed manifest structs from the [`Tree`](crate::yaml::spanned_tree::Tree), reporting as much as
//! it can in one pass.
//!
//! serde stops at the first error, so a YAML library used directly would report one mistake per
//! run. This deserializer keeps going where it can:
//! - unknown and repeated keys are recorded and skipped instead of failing the struct;
//! - top-level items are [`Deferred`]: each repository, registry, … is read on its own, so a
//!   type error in one does not hide the errors in the others;
//! - every error carries the position of the node it is about.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::StrDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};

use super::checks::suggest;
use super::diagnostic::Finding;
use crate::yaml::TextPos;
use crate::yaml::spanned_tree::{Entry, Node, NodeId, ScalarKind, Value};

/// Reads a `T` from `node`. Problems go to `findings`; `None` when `T` could not be built.
pub(crate) fn read<T: DeserializeOwned>(node: &Node, findings: &mut Vec<Finding>) -> Option<T> {
    let sink = RefCell::new(Vec::new());
    let result = T::deserialize(NodeDeserializer { node, sink: &sink });
    findings.extend(sink.into_inner());
    match result {
        Ok(value) => Some(value),
        Err(err) => {
            findings.push(err.into_finding(node.pos));
            None
        }
    }
}

/// A part of the manifest that is read later, on its own (see [`read`]). Holds the node's id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deferred<T> {
    pub id: NodeId,
    marker: PhantomData<fn() -> T>,
}

/// The newtype name [`NodeDeserializer`] recognises to hand out a node id instead of a value,
/// the same device serde-saphyr uses for `Spanned`.
const DEFERRED: &str = "$flotilla::manifest::Deferred";

impl<'de, T> de::Deserialize<'de> for Deferred<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor<T>(PhantomData<fn() -> T>);

        impl<T> Visitor<'_> for IdVisitor<T> {
            type Value = Deferred<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a manifest node (only flotilla's manifest loader reads this type)")
            }

            fn visit_u64<E: de::Error>(self, id: u64) -> Result<Deferred<T>, E> {
                let id = NodeId::try_from(id).map_err(E::custom)?;
                Ok(Deferred {
                    id,
                    marker: PhantomData,
                })
            }
        }

        deserializer.deserialize_newtype_struct(DEFERRED, IdVisitor(PhantomData))
    }
}

/// The schema of a deferred part is the schema of what it holds.
impl<T: schemars::JsonSchema> schemars::JsonSchema for Deferred<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// A deserialization error with the position of the node it is about, once known.
#[derive(Debug)]
pub(crate) struct DeError {
    message: String,
    help: Option<String>,
    pos: Option<TextPos>,
}

impl DeError {
    fn new(message: String) -> Self {
        Self {
            message,
            help: None,
            pos: None,
        }
    }

    fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Places the error at `pos` unless a deeper node already claimed it.
    fn at(mut self, pos: TextPos) -> Self {
        self.pos.get_or_insert(pos);
        self
    }

    fn into_finding(self, fallback: TextPos) -> Finding {
        Finding::new(self.pos.unwrap_or(fallback), self.message).maybe_help(self.help)
    }

    fn mismatch(node: &Node, expected: &str) -> Self {
        Self::new(format!("expected {expected}, found {}", node.describe())).at(node.pos)
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(msg.to_string())
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::new(format!(
            "expected {}, found {}",
            human_expected(&expected.to_string()),
            human_unexpected(&unexpected)
        ))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::new(format!(
            "{} is out of range: expected {}",
            human_unexpected(&unexpected),
            human_expected(&expected.to_string())
        ))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let error = Self::new(format!(
            "unknown value `{variant}`; expected one of {}",
            quoted_list(expected.iter().copied())
        ));
        match suggest(variant, expected.iter().copied()) {
            Some(near) => error.with_help(format!("did you mean `{near}`?")),
            None => error,
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(format!("missing required key `{field}`"))
    }
}

/// serde names Rust types in its expectations; say what the author has to write instead.
fn human_expected(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a non-negative integer".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer".to_owned(),
        "a boolean" => "`true` or `false`".to_owned(),
        other => match other.strip_prefix("struct ") {
            Some(name) => format!("a mapping ({name})"),
            None => other.to_owned(),
        },
    }
}

fn human_unexpected(unexpected: &Unexpected<'_>) -> String {
    match unexpected {
        Unexpected::Bool(b) => format!("the boolean `{b}`"),
        Unexpected::Unsigned(n) => format!("the integer `{n}`"),
        Unexpected::Signed(n) => format!("the integer `{n}`"),
        Unexpected::Float(n) => format!("the number `{n}`"),
        Unexpected::Str(s) => format!("the string {s:?}"),
        Unexpected::Unit | Unexpected::Option => "nothing (null)".to_owned(),
        Unexpected::Seq => "a list".to_owned(),
        Unexpected::Map => "a mapping".to_owned(),
        other => other.to_string(),
    }
}

pub(crate) fn quoted_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items
        .into_iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Keys starting with this are ignored in every struct, as in Compose files: a place to define
/// YAML anchors (`x-backend: &backend {...}`) that repositories then merge in.
pub(crate) const EXTENSION_PREFIX: &str = "x-";

#[derive(Clone, Copy)]
struct NodeDeserializer<'a> {
    node: &'a Node,
    sink: &'a RefCell<Vec<Finding>>,
}

impl<'a> NodeDeserializer<'a> {
    fn child(self, node: &'a Node) -> Self {
        Self {
            node,
            sink: self.sink,
        }
    }

    /// The entries of a mapping with repeated keys reported and dropped; with `fields`, unknown
    /// keys too.
    fn entries(self, entries: &'a [Entry], what: &str, fields: Option<&[&str]>) -> Vec<&'a Entry> {
        let mut seen: HashMap<&str, TextPos> = HashMap::new();
        let mut kept = Vec::with_capacity(entries.len());
        let mut sink = self.sink.borrow_mut();
        for entry in entries {
            if let Some(first) = seen.get(entry.key.as_str()) {
                sink.push(Finding::new(
                    entry.key_pos,
                    format!("duplicate key `{}` (first at {first})", entry.key),
                ));
                continue;
            }
            seen.insert(&entry.key, entry.key_pos);
            if fields.is_some() && entry.key.starts_with(EXTENSION_PREFIX) {
                continue;
            }
            if let Some(fields) = fields
                && !fields.contains(&entry.key.as_str())
            {
                let help = match suggest(&entry.key, fields.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("expected one of {}", quoted_list(fields.iter().copied())),
                };
                sink.push(
                    Finding::new(entry.key_pos, format!("unknown {what} key `{}`", entry.key))
                        .help(help),
                );
                continue;
            }
            kept.push(entry);
        }
        kept
    }

    fn visit_int<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s) => match s.kind {
                ScalarKind::Int(n) => match (i64::try_from(n), u64::try_from(n)) {
                    (Ok(n), _) => visitor.visit_i64(n),
                    (_, Ok(n)) => visitor.visit_u64(n),
                    _ => visitor.visit_i128(n),
                },
                _ => Err(DeError::mismatch(self.node, "an integer")),
            },
            _ => Err(DeError::mismatch(self.node, "an integer")),
        }
    }
}

impl<'de> Deserializer<'de> for NodeDeserializer<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let pos = self.node.pos;
        match &self.node.value {
            Value::Scalar(s) => match s.kind {
                ScalarKind::Null => visitor.visit_unit(),
                ScalarKind::Bool(b) => visitor.visit_bool(b),
                ScalarKind::Int(_) => self.visit_int(visitor),
                ScalarKind::Float(n) => visitor.visit_f64(n),
                ScalarKind::Str => visitor.visit_str(&s.text),
            },
            Value::Seq(items) => visitor.visit_seq(Items {
                items: items.iter(),
                de: self,
            }),
            Value::Map(entries) => visitor.visit_map(Entries {
                pending: self.entries(entries, "mapping", None).into_iter(),
                value: None,
                de: self,
            }),
        }
        .map_err(|e| e.at(pos))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s) => match s.kind {
                ScalarKind::Bool(b) => visitor
                    .visit_bool::<DeError>(b)
                    .map_err(|e| e.at(self.node.pos)),
                _ => Err(DeError::mismatch(self.node, "`true` or `false`")),
            },
            _ => Err(DeError::mismatch(self.node, "`true` or `false`")),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.visit_int(visitor).map_err(|e| e.at(self.node.pos))
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s) if s.kind != ScalarKind::Null => visitor
                .visit_str::<DeError>(&s.text)
                .map_err(|e| e.at(self.node.pos)),
            _ => Err(DeError::mismatch(self.node, "a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s) if s.kind == ScalarKind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|e| e.at(self.node.pos))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == DEFERRED {
            visitor.visit_u64(self.node.id as u64)
        } else {
            visitor.visit_newtype_struct(self)
        }
        .map_err(|e| e.at(self.node.pos))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Seq(items) => visitor
                .visit_seq(Items {
                    items: items.iter(),
                    de: self,
                })
                .map_err(|e| e.at(self.node.pos)),
            Value::Scalar(s) if s.kind != ScalarKind::Null => {
                Err(DeError::mismatch(self.node, "a list").with_help(format!(
                    "a single value is still written as a list: [{}]",
                    s.text
                )))
            }
            _ => Err(DeError::mismatch(self.node, "a list")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Map(entries) => visitor
                .visit_map(Entries {
                    pending: self.entries(entries, "mapping", None).into_iter(),
                    value: None,
                    de: self,
                })
                .map_err(|e| e.at(self.node.pos)),
            _ => Err(DeError::mismatch(self.node, "a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Map(entries) => visitor
                .visit_map(Entries {
                    pending: self.entries(entries, name, Some(fields)).into_iter(),
                    value: None,
                    de: self,
                })
                .map_err(|e| e.at(self.node.pos)),
            _ => Err(DeError::mismatch(self.node, &format!("a mapping ({name})"))),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s) if s.kind != ScalarKind::Null => {
                let text: StrDeserializer<'_, DeError> = s.text.as_str().into_deserializer();
                visitor.visit_enum(text).map_err(|e| e.at(self.node.pos))
            }
            _ => Err(DeError::mismatch(
                self.node,
                &format!("one of {}", quoted_list(variants.iter().copied())),
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i128 u128 f32 f64 char bytes byte_buf unit unit_struct tuple tuple_struct
    }
}

struct Items<'a> {
    items: std::slice::Iter<'a, Node>,
    de: NodeDeserializer<'a>,
}

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.items
            .next()
            .map(|node| seed.deserialize(self.de.child(node)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'a> {
    pending: std::vec::IntoIter<&'a Entry>,
    value: Option<&'a Node>,
    de: NodeDeserializer<'a>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some(entry) = self.pending.next() else {
            return Ok(None);
        };
        self.value = Some(&entry.value);
        let key: StrDeserializer<'_, DeError> = entry.key.as_str().into_deserializer();
        seed.deserialize(key)
            .map(Some)
            .map_err(|e| e.at(entry.key_pos))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(node) => seed.deserialize(self.de.child(node)),
            None => Err(DeError::new("a value was read before its key".to_owned())),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.pending.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;
    use crate::yaml::spanned_tree::Tree;

    #[derive(Debug, Deserialize)]
    #[serde(rename = "thing", deny_unknown_fields)]
    struct Thing {
        name: String,
        count: Option<u32>,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    struct Many {
        things: Vec<Deferred<Thing>>,
        by_name: BTreeMap<String, u32>,
    }

    fn findings_for<T: DeserializeOwned>(text: &str) -> (Option<T>, Vec<String>) {
        let tree = Tree::parse(text).unwrap();
        let mut findings = Vec::new();
        let value = read::<T>(tree.root(), &mut findings);
        let lines = findings
            .into_iter()
            .map(|f| format!("{}: {}", f.pos, f.message))
            .collect();
        (value, lines)
    }

    #[test]
    fn reports_every_unknown_and_repeated_key_and_keeps_reading() {
        let (thing, findings) =
            findings_for::<Thing>("name: a\nnmae: b\ncolour: red\nname: c\ncount: 3\ntags: [x]\n");
        let thing = thing.unwrap();
        assert_eq!((thing.name.as_str(), thing.count), ("a", Some(3)));
        assert_eq!(thing.tags, ["x"]);
        assert_eq!(
            findings,
            [
                "2:1: unknown thing key `nmae`",
                "3:1: unknown thing key `colour`",
                "4:1: duplicate key `name` (first at 1:1)",
            ]
        );
    }

    #[test]
    fn positions_type_errors_at_the_offending_node() {
        let (_, findings) = findings_for::<Thing>("name: a\ncount: -1\n");
        assert_eq!(
            findings,
            ["2:8: the integer `-1` is out of range: expected a non-negative integer"]
        );
        let (_, findings) = findings_for::<Thing>("name: a\ntags: x\n");
        assert_eq!(findings, ["2:7: expected a list, found the string \"x\""]);
        let (_, findings) = findings_for::<Thing>("count: 1\n");
        assert_eq!(findings, ["1:1: missing required key `name`"]);
        let (_, findings) = findings_for::<Thing>("name: [a]\n");
        assert_eq!(findings, ["1:7: expected a string, found a list"]);
    }

    #[test]
    fn defers_items_and_reads_plain_scalars_as_text() {
        let text = "things:\n  - name: 1.10\n  - name: no\n    count: x\nby_name: {a: 1}\n";
        let tree = Tree::parse(text).unwrap();
        let mut findings = Vec::new();
        let many = read::<Many>(tree.root(), &mut findings).unwrap();
        assert!(findings.is_empty());
        assert_eq!(many.by_name["a"], 1);
        let index = tree.index();
        let first = read::<Thing>(index[many.things[0].id], &mut findings).unwrap();
        assert_eq!(first.name, "1.10");
        assert!(read::<Thing>(index[many.things[1].id], &mut findings).is_none());
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].pos,
            TextPos {
                line: 4,
                column: 12
            }
        );
    }

    #[test]
    fn deferred_refuses_other_deserializers() {
        let result = serde_saphyr::from_str::<Deferred<Thing>>("name: a\n");
        assert!(result.is_err());
    }
}
