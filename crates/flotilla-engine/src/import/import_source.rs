//! A remote to import: the address git reads, how the manifest spells it, and the name it gets.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::import_error::ImportError;

/// One remote given to `flotilla import`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSource {
    /// As the user gave it, for messages.
    pub given: String,
    /// The repository's name in the manifest.
    pub name: String,
    /// What git is given: URLs as they are, local paths absolute.
    pub url: String,
    /// What the manifest says: URLs as they are, local paths relative to the manifest's
    /// directory when they are beneath it, else absolute.
    pub remote: String,
    /// A local path to a clone with a work tree (`PATH/.git` exists).
    pub work_tree: bool,
}

impl ImportSource {
    /// Resolves every remote, refusing a local path that does not exist and two remotes that
    /// would get the same name, before anything is cloned.
    pub fn resolve_all(
        remotes: &[String],
        cwd: &Path,
        manifest_dir: &Path,
    ) -> Result<Vec<Self>, ImportError> {
        if remotes.is_empty() {
            return Err(ImportError::NoRemotes);
        }
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut sources = Vec::new();
        for given in remotes {
            let source = Self::resolve(given, cwd, manifest_dir)?;
            if let Some(first) = names.insert(source.name.clone(), given.clone()) {
                return Err(ImportError::DuplicateName {
                    name: source.name,
                    first,
                    second: given.clone(),
                });
            }
            sources.push(source);
        }
        Ok(sources)
    }

    fn resolve(given: &str, cwd: &Path, manifest_dir: &Path) -> Result<Self, ImportError> {
        let name = flotilla_core::import::repo_name(given);
        if name.is_empty() {
            return Err(ImportError::Nameless {
                remote: given.to_owned(),
            });
        }
        if is_address(given) {
            return Ok(Self {
                given: given.to_owned(),
                name,
                url: given.to_owned(),
                remote: given.to_owned(),
                work_tree: false,
            });
        }
        let path = normalize(&cwd.join(given));
        if !path.exists() {
            return Err(ImportError::MissingRemote {
                remote: given.to_owned(),
            });
        }
        let manifest_dir = normalize(&cwd.join(manifest_dir));
        let remote = relative_to(&path, &manifest_dir)
            .unwrap_or_else(|| path.clone())
            .display()
            .to_string();
        Ok(Self {
            given: given.to_owned(),
            name,
            url: path.display().to_string(),
            remote,
            work_tree: path.join(".git").exists(),
        })
    }
}

/// What git reads as an address rather than a path: `scheme://…` or scp-like `host:path`
/// (git's `url_is_local_not_ssh`; the same rule the manifest's remotes follow).
fn is_address(remote: &str) -> bool {
    if remote.contains("://") || Path::new(remote).is_absolute() {
        return remote.contains("://");
    }
    match (remote.find(':'), remote.find('/')) {
        (Some(colon), Some(slash)) => colon < slash,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// `path` without `.` and `..` components (lexically: the path need not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `base` when it lies beneath it.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let rest = path.strip_prefix(base).ok()?;
    (!rest.as_os_str().is_empty()).then(|| rest.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_pass_and_paths_resolve_against_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("remotes/identity.git")).unwrap();
        let sources = ImportSource::resolve_all(
            &[
                "remotes/identity.git".to_owned(),
                "git@github.com:org/api.git".to_owned(),
                "https://example.com/org/console".to_owned(),
            ],
            dir.path(),
            Path::new("."),
        )
        .unwrap();
        assert_eq!(sources[0].name, "identity");
        assert_eq!(sources[0].remote, "remotes/identity.git");
        assert_eq!(
            sources[0].url,
            dir.path()
                .join("remotes/identity.git")
                .display()
                .to_string()
        );
        assert_eq!(sources[1].remote, "git@github.com:org/api.git");
        assert_eq!(sources[2].name, "console");

        let outside = ImportSource::resolve_all(
            &["remotes/identity.git".to_owned()],
            dir.path(),
            Path::new("fleet"),
        )
        .unwrap();
        assert_eq!(
            outside[0].remote,
            dir.path()
                .join("remotes/identity.git")
                .display()
                .to_string(),
            "a path outside the manifest's directory stays absolute"
        );
    }

    #[test]
    fn missing_paths_and_twin_names_are_refused_before_anything_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let missing =
            ImportSource::resolve_all(&["nope.git".to_owned()], dir.path(), Path::new("."))
                .unwrap_err();
        assert_eq!(
            missing.to_string(),
            "the remote nope.git does not exist (no such directory)"
        );
        assert!(missing.is_user_error());
        let twins = ImportSource::resolve_all(
            &["git@a:x/api.git".to_owned(), "https://b/y/api".to_owned()],
            dir.path(),
            Path::new("."),
        )
        .unwrap_err();
        assert!(
            twins.to_string().contains("would both be called api"),
            "{twins}"
        );
        assert!(matches!(
            ImportSource::resolve_all(&[], dir.path(), Path::new(".")),
            Err(ImportError::NoRemotes)
        ));
    }
}
