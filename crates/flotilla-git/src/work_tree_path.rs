use std::path::{Component, Path, PathBuf};

use crate::GitError;

/// Resolves `relative` (a repository path like `deploy/values.yaml`) inside the work tree at
/// `root`, refusing anything that could reach outside it or into `.git`.
pub(crate) fn resolve(root: &Path, relative: &str) -> Result<PathBuf, GitError> {
    let refuse = |reason| GitError::PathOutsideWorkTree {
        root: root.to_owned(),
        path: relative.chars().take(200).collect(),
        reason,
    };
    let mut resolved = root.to_owned();
    let mut depth = 0_usize;
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) => {
                // Case-insensitive file systems treat `.GIT` as `.git`.
                if part.eq_ignore_ascii_case(".git") {
                    return Err(refuse("it points into the `.git` directory"));
                }
                resolved.push(part);
                depth += 1;
            }
            Component::CurDir => {}
            Component::ParentDir => return Err(refuse("it contains `..`")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(refuse("it is absolute"));
            }
        }
    }
    if depth == 0 {
        return Err(refuse("it names no file"));
    }
    Ok(resolved)
}

/// Refuses a path whose existing parts include a symbolic link: writing through one could land
/// outside the work tree.
pub(crate) fn refuse_symlinks(
    root: &Path,
    relative: &str,
    resolved: &Path,
) -> Result<(), GitError> {
    let Ok(below_root) = resolved.strip_prefix(root) else {
        return Ok(());
    };
    let mut current = root.to_owned();
    for part in below_root.components() {
        current.push(part);
        match current.symlink_metadata() {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                return Err(GitError::PathOutsideWorkTree {
                    root: root.to_owned(),
                    path: relative.chars().take(200).collect(),
                    reason: "it goes through a symbolic link",
                });
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_relative_paths_inside_the_tree() {
        let root = Path::new("/repo");
        assert_eq!(
            resolve(root, "a/b.txt").unwrap(),
            Path::new("/repo/a/b.txt")
        );
        assert_eq!(resolve(root, "./a").unwrap(), Path::new("/repo/a"));
        assert_eq!(
            resolve(root, ".github/workflows/ci.yaml").unwrap(),
            Path::new("/repo/.github/workflows/ci.yaml")
        );
    }

    #[test]
    fn refuses_escapes_and_git_internals() {
        let root = Path::new("/repo");
        for bad in [
            "",
            ".",
            "../x",
            "a/../../x",
            "a/..",
            "/etc/passwd",
            ".git/config",
            "a/.GIT/x",
        ] {
            assert!(resolve(root, bad).is_err(), "{bad:?} should be refused");
        }
    }
}
