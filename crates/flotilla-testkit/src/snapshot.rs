use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use crate::git::Git;

/// Everything a sandbox's operations can change outside flotilla's own state: the refs of
/// every remote (with their commit counts) and every file of the local targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Per remote: `refname → (object, commits reachable)`.
    pub refs: BTreeMap<String, BTreeMap<String, (String, usize)>>,
    /// Per file under `.flotilla/artifacts`: its size and a hash of its content.
    pub artifacts: BTreeMap<String, (u64, u64)>,
}

impl Snapshot {
    /// Reads the bare repositories `remotes/NAME.git` with `git` and the files under
    /// `artifacts`.
    pub fn take(git: &Git, remotes: &Path, artifacts: &Path) -> Self {
        let mut refs = BTreeMap::new();
        let mut names: Vec<String> = std::fs::read_dir(remotes)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(".git").map(str::to_owned))
            .collect();
        names.sort();
        for repo in names {
            let bare = remotes.join(format!("{repo}.git"));
            let listing = git.run(
                &bare,
                &["for-each-ref", "--format=%(refname) %(objectname)"],
            );
            let mut of_repo = BTreeMap::new();
            for line in listing.lines() {
                let (name, oid) = line.split_once(' ').unwrap();
                let count = git
                    .run(&bare, &["rev-list", "--count", name])
                    .trim()
                    .parse()
                    .unwrap();
                of_repo.insert(name.to_owned(), (oid.to_owned(), count));
            }
            refs.insert(repo, of_repo);
        }
        let mut files = BTreeMap::new();
        if artifacts.exists() {
            walk(artifacts, artifacts, &mut files);
        }
        Self {
            refs,
            artifacts: files,
        }
    }

    /// The artifact files' paths, for tests that compare what exists rather than the bytes.
    pub fn artifact_paths(&self) -> Vec<&str> {
        self.artifacts.keys().map(String::as_str).collect()
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (u64, u64)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            let mut hasher = DefaultHasher::new();
            bytes.hash(&mut hasher);
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.insert(relative, (bytes.len() as u64, hasher.finish()));
        }
    }
}
