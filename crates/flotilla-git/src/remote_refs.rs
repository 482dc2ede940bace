use std::collections::BTreeMap;

use crate::git_command::GitCommand;
use crate::{GitError, Oid};

/// The branches and tags a remote advertises (`git ls-remote --heads --tags`), by short name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteRefs {
    branches: BTreeMap<String, Oid>,
    tags: BTreeMap<String, RemoteTag>,
}

/// A tag on a remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTag {
    /// What the tag ref holds: the tag object for an annotated tag, else the commit.
    pub oid: Oid,
    /// The commit an annotated tag points at (the `^{}` line); `None` for a lightweight tag.
    pub peeled: Option<Oid>,
}

impl RemoteTag {
    /// The commit the tag names, for annotated and lightweight tags alike.
    pub fn commit(&self) -> &Oid {
        self.peeled.as_ref().unwrap_or(&self.oid)
    }
}

impl RemoteRefs {
    pub(crate) fn list(command: GitCommand<'_>, remote: &str) -> Result<Self, GitError> {
        let command = command.args(["ls-remote", "--heads", "--tags", "--", remote]);
        let output = command.run()?;
        Self::parse(&output.stdout_text()).map_err(|detail| command.unexpected(detail))
    }

    /// The branches and tags of a local repository, read with one `for-each-ref` instead of
    /// `ls-remote`, which for a local path spawns a shell and `upload-pack` as well.
    pub(crate) fn list_local(command: GitCommand<'_>) -> Result<Self, GitError> {
        // Prints the lines `ls-remote` would: `<oid>\t<ref>`, and `<commit>\t<ref>^{}` for an
        // annotated tag.
        let command = command.args([
            "for-each-ref",
            "--format=%(objectname)%09%(refname)%(if)%(*objectname)%(then)%0a%(*objectname)%09%(refname)^{}%(end)",
            "refs/heads",
            "refs/tags",
        ]);
        let output = command.run()?;
        Self::parse(&output.stdout_text()).map_err(|detail| command.unexpected(detail))
    }

    fn parse(listing: &str) -> Result<Self, String> {
        let mut refs = Self::default();
        let mut peeled = Vec::new();
        for line in listing.lines().filter(|line| !line.is_empty()) {
            let (oid, name) = line
                .split_once('\t')
                .ok_or_else(|| format!("line {line:?} is not `<oid>\\t<ref>`"))?;
            let oid = Oid::parse(oid).map_err(|error| error.to_string())?;
            if let Some(branch) = name.strip_prefix("refs/heads/") {
                refs.branches.insert(branch.to_owned(), oid);
            } else if let Some(tag) = name.strip_prefix("refs/tags/") {
                match tag.strip_suffix("^{}") {
                    Some(tag) => peeled.push((tag.to_owned(), oid)),
                    None => {
                        refs.tags
                            .insert(tag.to_owned(), RemoteTag { oid, peeled: None });
                    }
                }
            }
        }
        for (tag, oid) in peeled {
            let entry = refs
                .tags
                .get_mut(&tag)
                .ok_or_else(|| format!("peeled line for tag {tag:?} without the tag itself"))?;
            entry.peeled = Some(oid);
        }
        Ok(refs)
    }

    pub fn branches(&self) -> &BTreeMap<String, Oid> {
        &self.branches
    }

    pub fn tags(&self) -> &BTreeMap<String, RemoteTag> {
        &self.tags
    }

    /// The commit of branch `name` (short name, like `main`).
    pub fn branch(&self, name: &str) -> Option<&Oid> {
        self.branches.get(name)
    }

    /// The tag `name` (short name, like `v1.2.3`).
    pub fn tag(&self, name: &str) -> Option<&RemoteTag> {
        self.tags.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_branches_and_peeled_tags() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let c = "c".repeat(40);
        let listing = format!(
            "{a}\tHEAD\n{a}\trefs/heads/main\n{b}\trefs/tags/v1\n{a}\trefs/tags/v1^{{}}\n{c}\trefs/tags/light\n"
        );
        let refs = RemoteRefs::parse(&listing).unwrap();
        assert_eq!(refs.branch("main").unwrap().as_str(), a);
        assert_eq!(refs.branches().len(), 1);
        let v1 = refs.tag("v1").unwrap();
        assert_eq!(v1.oid.as_str(), b);
        assert_eq!(v1.commit().as_str(), a);
        assert_eq!(refs.tag("light").unwrap().commit().as_str(), c);
    }

    #[test]
    fn refuses_garbage() {
        assert!(RemoteRefs::parse("nonsense\n").is_err());
    }
}
