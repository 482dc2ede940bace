use crate::Oid;

/// One entry of a recursive tree listing (`git ls-tree -r -t`): a blob, a tree or a submodule
/// commit, at its full path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    /// Octal, as git prints it: `100644`, `100755`, `120000`, `040000`, `160000`.
    pub mode: String,
    /// `blob`, `tree` or `commit`.
    pub kind: String,
    pub oid: Oid,
    /// `/`-separated, from the root of the tree.
    pub path: String,
}

impl TreeEntry {
    pub fn is_tree(&self) -> bool {
        self.kind == "tree"
    }

    pub fn is_symlink(&self) -> bool {
        self.mode == "120000"
    }
}
