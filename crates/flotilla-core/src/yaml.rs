//! YAML read with positions, shared by the manifest and the GitOps values-file edit.
//!
//! One position type, [`TextPos`], and two views of a text built on it: the spanned tree is the
//! document as serde-saphyr resolves it (anchors expanded, merge keys applied, budgets and
//! duplicate keys enforced), which is what the manifest means; the event tree is the document
//! as written (byte spans, quoting styles, anchors and tags), which is what an edit must keep.
//! Neither view can be derived from the other, so both live here, side by side.

pub(crate) mod event_tree;
pub(crate) mod spanned_tree;
pub(crate) mod text_pos;
pub(crate) mod yaml_syntax_error;

pub use text_pos::TextPos;
