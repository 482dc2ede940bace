//! The fleet manifest, `flotilla.yaml`: from text to a validated [`Fleet`].
//!
//! [`load`] parses with serde-saphyr into a tree that keeps every node's position, reads the
//! typed YAML structs from it one item at a time, then resolves defaults and checks every name
//! and reference. It reports every problem it finds, each as `file:line:column: message`, and
//! returns a fleet only when there are none. Pure: the caller reads the file.

mod builtin;
mod checks;
mod dependency_graph;
mod diagnostic;
mod document;
mod node_deserializer;
mod resolver;
mod tree;

pub use diagnostic::{Diagnostic, ManifestErrors};

use crate::fleet::Fleet;

/// A small commented manifest for `flotilla init`: three repositories on the local registries.
pub const STARTER: &str = include_str!("manifest/starter.yaml");

/// The seed's fleet: every repository of the `SpaceONE` table in its category.
pub const SPACEONE_EXAMPLE: &str = include_str!("manifest/spaceone.yaml");

/// Parses and validates the manifest `text`; `file_name` only labels the diagnostics.
pub fn load(file_name: &str, text: &str) -> Result<Fleet, ManifestErrors> {
    let tree = tree::Tree::parse(text).map_err(|(pos, message)| {
        ManifestErrors::new(file_name, vec![diagnostic::Finding::new(pos, message)])
    })?;
    resolver::resolve(&tree).map_err(|findings| ManifestErrors::new(file_name, findings))
}

/// The JSON Schema of `flotilla.yaml`, for editors and `flotilla schema`.
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(document::Document).to_value();
    allow_extension_keys(&mut schema);
    schema
}

/// Every closed object also accepts the `x-` keys the loader ignores.
fn allow_extension_keys(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(object) => {
            if object.get("additionalProperties") == Some(&serde_json::Value::Bool(false)) {
                let pattern = format!("^{}", node_deserializer::EXTENSION_PREFIX);
                object.insert(
                    "patternProperties".to_owned(),
                    serde_json::json!({ pattern: {} }),
                );
            }
            object.values_mut().for_each(allow_extension_keys);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(allow_extension_keys),
        _ => {}
    }
}
