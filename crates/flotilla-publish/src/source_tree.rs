use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::{PublishError, Result};

/// The files of a source directory in a fixed order: entries of a directory sorted by name
/// bytes, each directory before its content. Archives built from it do not depend on the order
/// the file system lists entries in.
pub(crate) struct SourceTree {
    entries: Vec<SourceEntry>,
}

#[derive(Clone)]
pub(crate) struct SourceEntry {
    /// Path relative to the root, `/`-separated.
    pub(crate) rel: String,
    pub(crate) path: PathBuf,
    pub(crate) kind: EntryKind,
}

#[derive(Clone)]
pub(crate) enum EntryKind {
    Dir,
    File { executable: bool, size: u64 },
    Symlink { target: String },
}

impl SourceTree {
    /// Walks `root` without following symbolic links; `keep(rel, is_dir)` drops an entry (and,
    /// for a directory, everything under it) by returning false.
    pub(crate) fn scan(root: &Path, keep: &dyn Fn(&str, bool) -> bool) -> Result<Self> {
        let meta = fs::metadata(root).map_err(|e| PublishError::io("read", root, e))?;
        if !meta.is_dir() {
            return Err(PublishError::InvalidSource {
                path: root.to_path_buf(),
                problem: "it is not a directory".to_owned(),
                hint: "point the artifact at the directory that holds its files",
            });
        }
        let mut entries = Vec::new();
        walk(root, "", keep, &mut entries)?;
        Ok(Self { entries })
    }

    pub(crate) fn entries(&self) -> &[SourceEntry] {
        &self.entries
    }
}

fn walk(
    dir: &Path,
    prefix: &str,
    keep: &dyn Fn(&str, bool) -> bool,
    out: &mut Vec<SourceEntry>,
) -> Result<()> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| PublishError::io("list", dir, e))? {
        let entry = entry.map_err(|e| PublishError::io("list", dir, e))?;
        let name = entry
            .file_name()
            .into_string()
            .map_err(|raw| PublishError::InvalidSource {
                path: dir.join(raw),
                problem: "its name is not valid UTF-8".to_owned(),
                hint: "rename it: archive formats here store UTF-8 names",
            })?;
        names.push(name);
    }
    names.sort_unstable();
    for name in names {
        let path = dir.join(&name);
        let rel = format!("{prefix}{name}");
        let meta = fs::symlink_metadata(&path).map_err(|e| PublishError::io("read", &path, e))?;
        let file_type = meta.file_type();
        if !keep(&rel, file_type.is_dir()) {
            continue;
        }
        if file_type.is_dir() {
            out.push(SourceEntry {
                rel: rel.clone(),
                path: path.clone(),
                kind: EntryKind::Dir,
            });
            walk(&path, &format!("{rel}/"), keep, out)?;
        } else if file_type.is_file() {
            out.push(SourceEntry {
                rel,
                path,
                kind: EntryKind::File {
                    executable: meta.permissions().mode() & 0o111 != 0,
                    size: meta.len(),
                },
            });
        } else if file_type.is_symlink() {
            let target =
                fs::read_link(&path).map_err(|e| PublishError::io("read link", &path, e))?;
            let target =
                target
                    .into_os_string()
                    .into_string()
                    .map_err(|_| PublishError::InvalidSource {
                        path: path.clone(),
                        problem: "its link target is not valid UTF-8".to_owned(),
                        hint: "point the link at a UTF-8 path",
                    })?;
            out.push(SourceEntry {
                rel,
                path,
                kind: EntryKind::Symlink { target },
            });
        } else {
            return Err(PublishError::InvalidSource {
                path,
                problem: "it is neither a file, a directory nor a symbolic link".to_owned(),
                hint: "remove sockets, pipes and device files from the source directory",
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parents_first_in_byte_order_and_prunes_skipped_directories() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("b/skip")).unwrap();
        fs::create_dir_all(root.join("a")).unwrap();
        fs::write(root.join("b/skip/x"), "x").unwrap();
        fs::write(root.join("b/Z"), "z").unwrap();
        fs::write(root.join("a/y"), "y").unwrap();
        fs::write(root.join("a-b"), "ab").unwrap();
        let tree = SourceTree::scan(root, &|rel, _| rel != "b/skip").unwrap();
        let rels: Vec<&str> = tree.entries().iter().map(|e| e.rel.as_str()).collect();
        assert_eq!(rels, ["a", "a/y", "a-b", "b", "b/Z"]);
    }
}
