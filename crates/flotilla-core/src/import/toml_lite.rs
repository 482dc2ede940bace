//! Just enough TOML for `pyproject.toml`: tables, and keys holding a string or an array of
//! strings. Anything else is skipped, never an error: an import reads what it can.

use std::collections::BTreeMap;

/// The string and string-array values of a TOML document, by table and key.
#[derive(Debug, Default)]
pub(crate) struct TomlLite {
    tables: BTreeMap<String, BTreeMap<String, Item>>,
}

#[derive(Debug)]
enum Item {
    Text(String),
    List(Vec<String>),
    Other,
}

impl TomlLite {
    pub(crate) fn parse(text: &str) -> Self {
        let mut doc = Self::default();
        let mut table = String::new();
        doc.tables.entry(table.clone()).or_default();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                name.trim_matches(['[', ']', ' ']).clone_into(&mut table);
                doc.tables.entry(table.clone()).or_default();
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim().trim_matches(['"', '\'']).to_owned();
            let mut value = value.trim().to_owned();
            if value.starts_with('[') {
                // A multi-line array: read up to its closing bracket.
                while !balanced(&value) {
                    let Some(next) = lines.next() else { break };
                    value.push('\n');
                    value.push_str(without_comment(next));
                }
            }
            let item = if value.starts_with('[') {
                Item::List(super::source_text::string_literals(&value))
            } else if let Some(text) = super::source_text::leading_string(&value) {
                Item::Text(text)
            } else {
                Item::Other
            };
            doc.tables
                .entry(table.clone())
                .or_default()
                .insert(key, item);
        }
        doc
    }

    pub(crate) fn string(&self, table: &str, key: &str) -> Option<String> {
        match self.tables.get(table)?.get(key)? {
            Item::Text(text) => Some(text.clone()),
            _ => None,
        }
    }

    pub(crate) fn strings(&self, table: &str, key: &str) -> Vec<String> {
        match self.tables.get(table).and_then(|t| t.get(key)) {
            Some(Item::List(items)) => items.clone(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn keys(&self, table: &str) -> Vec<String> {
        self.tables
            .get(table)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn has_table(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }
}

fn balanced(value: &str) -> bool {
    let mut depth = 0_i32;
    let mut quote: Option<char> = None;
    for c in value.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '[' => depth += 1,
            None if c == ']' => depth -= 1,
            Some(_) | None => {}
        }
    }
    depth <= 0
}

fn without_comment(line: &str) -> &str {
    match line.find('#') {
        Some(at) if !line[..at].contains(['"', '\'']) => &line[..at],
        _ => line,
    }
}
