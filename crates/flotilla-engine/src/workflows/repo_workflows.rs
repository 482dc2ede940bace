//! One repository's workflows in its mirror: read from the default branch's tip, and replaced
//! by one commit pushed only while the branch still is where it was read (compare-and-swap).
//! No work tree: blobs, trees and the commit are written as objects.

use std::collections::BTreeMap;

use flotilla_core::workflows::{DriftState, RenderedWorkflow, WORKFLOWS_DIR, WorkflowDrift};
use flotilla_git::{GitError, Oid, PushOptions, Repo as GitRepo, TreeEntry};

use super::workflow_sync_error::WorkflowSyncError;

/// The subject of every sync commit: the original's (REFERENCE.md §A, workflow distribution).
pub const SYNC_SUBJECT: &str = "[CI/CD] update github actions";

/// A repository's default branch as read from its mirror.
pub struct RepoWorkflows {
    pub repo: String,
    pub branch: String,
    /// The branch's tip when read.
    pub tip: Oid,
    /// Files under `.github/workflows`, by path from the root.
    pub files: BTreeMap<String, String>,
}

impl RepoWorkflows {
    /// Reads `branch` of `mirror` (already refreshed).
    pub fn read(mirror: &GitRepo, repo: &str, branch: &str) -> Result<Self, WorkflowSyncError> {
        let tip = mirror
            .rev_parse(&format!("refs/heads/{branch}^{{commit}}"))?
            .ok_or_else(|| WorkflowSyncError::NoDefaultBranch {
                repo: repo.to_owned(),
                branch: branch.to_owned(),
            })?;
        let prefix = format!("{WORKFLOWS_DIR}/");
        let mut files = BTreeMap::new();
        for entry in mirror.tree_entries(tip.as_str())? {
            if entry.is_tree() || !entry.path.starts_with(&prefix) || entry.kind != "blob" {
                continue;
            }
            let bytes = mirror
                .read_file(tip.as_str(), &entry.path)?
                .unwrap_or_default();
            let text = String::from_utf8(bytes).map_err(|_| WorkflowSyncError::NotText {
                repo: repo.to_owned(),
                branch: branch.to_owned(),
                path: entry.path.clone(),
            })?;
            files.insert(entry.path, text);
        }
        Ok(Self {
            repo: repo.to_owned(),
            branch: branch.to_owned(),
            tip,
            files,
        })
    }

    /// Writes the commit that makes the branch match `rendered` (what `drift` lists) on top of
    /// the tip: missing and changed files written, unexpected ones deleted.
    pub fn commit(
        &self,
        mirror: &GitRepo,
        rendered: &[RenderedWorkflow],
        drift: &WorkflowDrift,
    ) -> Result<Oid, WorkflowSyncError> {
        let mut files: BTreeMap<String, TreeEntry> = mirror
            .tree_entries(self.tip.as_str())?
            .into_iter()
            .map(|entry| (entry.path.clone(), entry))
            .collect();
        let mut body = String::new();
        for file in &drift.files {
            match &file.state {
                DriftState::Unexpected => {
                    files.remove(&file.path);
                }
                DriftState::Missing | DriftState::Changed { .. } => {
                    let Some(workflow) = rendered.iter().find(|w| w.path == file.path) else {
                        continue;
                    };
                    let oid = mirror.write_blob(workflow.text.as_bytes())?;
                    files.insert(
                        file.path.clone(),
                        TreeEntry {
                            mode: "100644".to_owned(),
                            kind: "blob".to_owned(),
                            oid,
                            path: file.path.clone(),
                        },
                    );
                }
            }
            body.push_str(&format!("{}: {}\n", file.state.as_str(), file.path));
        }
        let tree = write_trees(mirror, &mut files)?;
        let message = format!(
            "{SYNC_SUBJECT}\n\nRendered by `flotilla workflows sync` from the fleet manifest's \
             templates:\n\n{body}"
        );
        Ok(mirror.commit_tree(&tree, &self.tip, &message)?)
    }

    /// Pushes `commit` to the default branch of `url` only while it is still at the tip read.
    /// `Ok(false)`: it moved (read again and redo).
    pub fn push(&self, mirror: &GitRepo, url: &str, commit: &Oid) -> Result<bool, GitError> {
        let target = format!("refs/heads/{}", self.branch);
        let options = PushOptions::new().force_with_lease(target.clone(), Some(self.tip.clone()));
        match mirror.push(url, &[&format!("{commit}:{target}")], &options) {
            Ok(()) => Ok(true),
            Err(err)
                if err
                    .push_rejection()
                    .is_some_and(flotilla_git::PushRejection::is_out_of_date) =>
            {
                Ok(false)
            }
            Err(err) => Err(err),
        }
    }
}

/// Writes every tree of `files` (a full listing, trees included), deepest first, dropping trees
/// left empty, and returns the root tree.
fn write_trees(mirror: &GitRepo, files: &mut BTreeMap<String, TreeEntry>) -> Result<Oid, GitError> {
    // Trees are rewritten from their children: drop the old tree entries, keep the rest.
    files.retain(|_, entry| !entry.is_tree());
    let mut dirs: Vec<String> = files
        .keys()
        .flat_map(|path| {
            let mut parents = Vec::new();
            let mut dir = path.as_str();
            while let Some((parent, _)) = dir.rsplit_once('/') {
                parents.push(parent.to_owned());
                dir = parent;
            }
            parents
        })
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    dirs.sort_by_key(|dir| std::cmp::Reverse(dir.matches('/').count()));
    for dir in dirs {
        let tree = write_tree(mirror, files, &format!("{dir}/"))?;
        files.insert(
            dir.clone(),
            TreeEntry {
                mode: "040000".to_owned(),
                kind: "tree".to_owned(),
                oid: tree,
                path: dir,
            },
        );
    }
    write_tree(mirror, files, "")
}

/// Writes the tree of the direct children of `prefix` (`""`: the root).
fn write_tree(
    mirror: &GitRepo,
    files: &BTreeMap<String, TreeEntry>,
    prefix: &str,
) -> Result<Oid, GitError> {
    let children: Vec<(&str, &TreeEntry)> = files
        .range(prefix.to_owned()..)
        .take_while(|(path, _)| path.starts_with(prefix))
        .filter(|(path, _)| !path[prefix.len()..].contains('/'))
        .map(|(path, entry)| (&path[prefix.len()..], entry))
        .collect();
    let entries: Vec<(&str, &str, &Oid, &str)> = children
        .iter()
        .map(|(name, e)| (e.mode.as_str(), e.kind.as_str(), &e.oid, *name))
        .collect();
    mirror.write_tree(&entries)
}
