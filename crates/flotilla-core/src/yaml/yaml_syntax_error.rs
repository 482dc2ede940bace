use super::text_pos::TextPos;

/// Text that is not YAML, with where the parser gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlSyntaxError {
    pub pos: TextPos,
    pub message: String,
}
