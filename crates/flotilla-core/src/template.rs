//! `{placeholder}` templates for tags, branches and version files.
//!
//! Templates come from the manifest, so they are parsed once against the set of placeholders
//! their use allows: a typo such as `{canonicl}` is a manifest error, never an empty string in a
//! git ref.

use std::fmt;

/// A parsed template: literal text and named placeholders, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Placeholder(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template {template:?} uses unknown placeholder {{{name}}}; allowed here: {allowed}")]
    UnknownPlaceholder {
        template: String,
        name: String,
        allowed: String,
    },
    #[error(
        "template {template:?} has an unbalanced brace at byte {offset}; placeholders look like {{x}}"
    )]
    Unbalanced { template: String, offset: usize },
    #[error("template {template:?} must use at least one of: {required}")]
    MissingPlaceholder { template: String, required: String },
}

impl Template {
    /// Parses `source`, accepting only the placeholders in `allowed`.
    pub fn parse(source: &str, allowed: &[&str]) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = source.char_indices();
        while let Some((offset, c)) = chars.next() {
            match c {
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for (_, c) in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        if c == '{' {
                            break;
                        }
                        name.push(c);
                    }
                    if !closed {
                        return Err(TemplateError::Unbalanced {
                            template: source.to_owned(),
                            offset,
                        });
                    }
                    if !allowed.contains(&name.as_str()) {
                        return Err(TemplateError::UnknownPlaceholder {
                            template: source.to_owned(),
                            name,
                            allowed: allowed
                                .iter()
                                .map(|a| format!("{{{a}}}"))
                                .collect::<Vec<_>>()
                                .join(", "),
                        });
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Placeholder(name));
                }
                '}' => {
                    return Err(TemplateError::Unbalanced {
                        template: source.to_owned(),
                        offset,
                    });
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Self {
            source: source.to_owned(),
            parts,
        })
    }

    /// Like [`Template::parse`], and also requires at least one placeholder of `required`, so
    /// that for example a tag template cannot render the same tag for every version.
    pub fn parse_requiring(
        source: &str,
        allowed: &[&str],
        required: &[&str],
    ) -> Result<Self, TemplateError> {
        let template = Self::parse(source, allowed)?;
        if template.placeholders().any(|p| required.contains(&p)) {
            Ok(template)
        } else {
            Err(TemplateError::MissingPlaceholder {
                template: source.to_owned(),
                required: required
                    .iter()
                    .map(|a| format!("{{{a}}}"))
                    .collect::<Vec<_>>()
                    .join(" or "),
            })
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Placeholder(name) => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// Renders with `value` giving each placeholder's text. Placeholders were checked at parse
    /// time, so `value` only sees allowed names; an unknown one renders empty.
    pub fn render(&self, mut value: impl FnMut(&str) -> Option<String>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Placeholder(name) => out.push_str(&value(name).unwrap_or_default()),
            }
        }
        out
    }

    /// When the template is `prefix{name}suffix` with exactly one placeholder, returns the text
    /// that `{name}` stood for in `rendered`. Used to read versions back out of tag names.
    pub fn extract<'a>(&self, rendered: &'a str, name: &str) -> Option<&'a str> {
        let (mut prefix, mut suffix, mut seen) = ("", "", false);
        for part in &self.parts {
            match part {
                Part::Placeholder(p) if p == name && !seen => seen = true,
                Part::Placeholder(_) => return None,
                Part::Literal(text) if seen => suffix = text,
                Part::Literal(text) => prefix = text,
            }
        }
        if !seen {
            return None;
        }
        rendered.strip_prefix(prefix)?.strip_suffix(suffix)
    }

    /// Splits `rendered` at the template's literals, left to right, and returns the text each
    /// placeholder stood for, in order. `None` when the literals do not match, or when two
    /// placeholders touch (nothing says where one ends). Each literal is matched at its first
    /// occurrence, so a value containing the next literal splits wrongly: callers check the
    /// result against the values it implies.
    pub fn captures<'a>(&self, rendered: &'a str) -> Option<Vec<(&str, &'a str)>> {
        let mut rest = rendered;
        let mut out = Vec::new();
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Literal(text) => rest = rest.strip_prefix(text.as_str())?,
                Part::Placeholder(name) => {
                    let end = match self.parts.get(i + 1) {
                        None => rest.len(),
                        Some(Part::Placeholder(_)) => return None,
                        // The last literal is a suffix: it ends the text, wherever else it
                        // occurs.
                        Some(Part::Literal(next)) if i + 2 == self.parts.len() => {
                            rest.strip_suffix(next.as_str())?.len()
                        }
                        Some(Part::Literal(next)) => rest.find(next.as_str())?,
                    };
                    let (value, after) = rest.split_at(end);
                    out.push((name.as_str(), value));
                    rest = after;
                }
            }
        }
        rest.is_empty().then_some(out)
    }
}

impl serde::Serialize for Template {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl crate::help::Help for TemplateError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_placeholders_and_literals() {
        let t = Template::parse("release-{x}.{y}", &["x", "y", "z"]).unwrap();
        let out = t.render(|n| Some(if n == "x" { "1" } else { "10" }.to_owned()));
        assert_eq!(out, "release-1.10");
    }

    #[test]
    fn refuses_unknown_and_unbalanced() {
        let err = Template::parse("v{canonicl}", &["canonical"]).unwrap_err();
        assert!(err.to_string().contains("{canonicl}"), "{err}");
        assert!(matches!(
            Template::parse("v{canonical", &["canonical"]),
            Err(TemplateError::Unbalanced { offset: 1, .. })
        ));
        assert!(matches!(
            Template::parse("v}", &["canonical"]),
            Err(TemplateError::Unbalanced { offset: 1, .. })
        ));
    }

    #[test]
    fn requires_a_distinguishing_placeholder() {
        assert!(Template::parse_requiring("static", &["x"], &["x"]).is_err());
        assert!(Template::parse_requiring("r-{x}", &["x"], &["x"]).is_ok());
    }

    #[test]
    fn extracts_single_placeholder() {
        let t = Template::parse("v{canonical}", &["canonical"]).unwrap();
        assert_eq!(t.extract("v1.2.3rc1", "canonical"), Some("1.2.3rc1"));
        assert_eq!(t.extract("x1.2.3", "canonical"), None);
        let two = Template::parse("{x}.{y}", &["x", "y"]).unwrap();
        assert_eq!(two.extract("1.2", "x"), None);
    }

    #[test]
    fn captures_every_placeholder_between_literals() {
        let t = Template::parse("{x}.{y}/v{canonical}", &["x", "y", "canonical"]).unwrap();
        assert_eq!(
            t.captures("1.12/v1.12.0rc1"),
            Some(vec![("x", "1"), ("y", "12"), ("canonical", "1.12.0rc1")])
        );
        assert_eq!(t.captures("1.12-v1.12.0"), None);
        let suffixed = Template::parse("r{x}-{y}.", &["x", "y"]).unwrap();
        assert_eq!(
            suffixed.captures("r1-2.3."),
            Some(vec![("x", "1"), ("y", "2.3")])
        );
        let touching = Template::parse("{x}{y}", &["x", "y"]).unwrap();
        assert_eq!(touching.captures("12"), None);
    }
}
