//! A YAML text as a tree of nodes that know their bytes and how they were written, read from
//! the events of serde-saphyr's parser (granit-parser), which keep byte spans, scalar styles,
//! anchors and tags that a deserialized value has lost.

use std::ops::Range;

use granit_parser::{Event, Marker, Parser, ScalarStyle, Span, StructureStyle, Tag};

use super::text_pos::TextPos;
use super::yaml_syntax_error::YamlSyntaxError;

pub(crate) struct Node {
    pub pos: TextPos,
    /// An anchor (`&name`) is defined on the node.
    pub anchored: bool,
    /// A tag other than `!!str`, as written.
    pub tag: Option<String>,
    pub kind: Kind,
}

pub(crate) enum Kind {
    Scalar {
        /// After escapes and line folding.
        value: String,
        style: ScalarStyle,
        /// The bytes of the scalar as written, quotes included.
        bytes: Range<usize>,
    },
    Alias,
    Map {
        flow: bool,
        entries: Vec<(Node, Node)>,
    },
    Seq {
        flow: bool,
    },
}

/// The root node of each document of `text`.
pub(crate) fn documents(text: &str) -> Result<Vec<Node>, YamlSyntaxError> {
    let mut reader = Reader {
        text,
        parser: Parser::new_from_str(text),
    };
    let mut roots = Vec::new();
    while let Some((event, span)) = reader.structural()? {
        match event {
            Event::StreamStart | Event::DocumentStart(..) | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            event => roots.push(reader.node(event, span)?),
        }
    }
    Ok(roots)
}

struct Reader<'t> {
    text: &'t str,
    parser: Parser<'t, granit_parser::StrInput<'t>>,
}

impl<'t> Reader<'t> {
    /// The next event of the document's structure. Comments (and any other presentation
    /// events a parser feature may add) are skipped: the edit keeps their bytes anyway.
    fn structural(&mut self) -> Result<Option<(Event<'t>, Span)>, YamlSyntaxError> {
        while let Some(result) = self.parser.next_event() {
            let (event, span) = result.map_err(|e| syntax(&e))?;
            if matches!(
                event,
                Event::StreamStart
                    | Event::StreamEnd
                    | Event::DocumentStart(..)
                    | Event::DocumentEnd
                    | Event::Scalar(..)
                    | Event::Alias(_)
                    | Event::MappingStart(..)
                    | Event::MappingEnd
                    | Event::SequenceStart(..)
                    | Event::SequenceEnd
            ) {
                return Ok(Some((event, span)));
            }
        }
        Ok(None)
    }

    fn next(&mut self) -> Result<(Event<'t>, Span), YamlSyntaxError> {
        self.structural()?.ok_or_else(|| YamlSyntaxError {
            pos: TextPos::end_of(self.text),
            message: "the text ends inside a collection".to_owned(),
        })
    }

    fn node(&mut self, event: Event<'t>, span: Span) -> Result<Node, YamlSyntaxError> {
        let pos = TextPos::from_marker(&span.start);
        let (anchor, tag, kind) = match event {
            Event::Scalar(value, style, anchor, tag) => (
                anchor,
                tag,
                Kind::Scalar {
                    value: value.into_owned(),
                    style,
                    bytes: self.byte(&span.start)..self.byte(&span.end),
                },
            ),
            Event::Alias(_) => (0, None, Kind::Alias),
            Event::MappingStart(style, anchor, tag) => {
                let mut entries = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::MappingEnd) {
                        break;
                    }
                    let key = self.node(event, span)?;
                    let (event, span) = self.next()?;
                    entries.push((key, self.node(event, span)?));
                }
                let flow = style == StructureStyle::Flow;
                (anchor, tag, Kind::Map { flow, entries })
            }
            Event::SequenceStart(style, anchor, tag) => {
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    self.node(event, span)?;
                }
                let flow = style == StructureStyle::Flow;
                (anchor, tag, Kind::Seq { flow })
            }
            other => {
                return Err(YamlSyntaxError {
                    pos,
                    message: format!("unexpected {other:?} where a value belongs"),
                });
            }
        };
        Ok(Node {
            pos,
            anchored: anchor != 0,
            tag: tag
                .filter(|t| t.core_suffix() != Some("str"))
                .map(|t| written(&t)),
            kind,
        })
    }

    /// The byte offset of a marker; the string input reports it, and counting characters is
    /// the same answer when an input does not.
    fn byte(&self, marker: &Marker) -> usize {
        marker.byte_offset().unwrap_or_else(|| {
            self.text
                .char_indices()
                .nth(marker.index())
                .map_or(self.text.len(), |(at, _)| at)
        })
    }
}

/// A tag as its author spelled it, e.g. `!!int` or `!local`.
fn written(tag: &Tag) -> String {
    format!("{}{}", tag.original_handle(), tag.suffix())
}

fn syntax(err: &granit_parser::ScanError) -> YamlSyntaxError {
    YamlSyntaxError {
        pos: TextPos::from_marker(err.marker()),
        message: err.info(),
    }
}
