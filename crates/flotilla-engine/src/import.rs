//! Reading existing repositories for `flotilla import`: each remote is cloned (bare, no work
//! tree) or fetched into the mirror cache, and its refs, its file list at the default branch
//! and the build files the core wants are read from there. The decisions are the core's
//! (`flotilla_core::import`).

mod import_error;
mod import_source;
mod repo_read;

pub use import_error::ImportError;
pub use import_source::ImportSource;
pub use repo_read::RepoRead;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use flotilla_core::import::{Evidence, RepoScan};
use flotilla_git::{Git, GitError, MirrorCache, Repo};

/// How many repositories are read at once: clones wait on the network more than on the CPU.
const PARALLEL_READS: usize = 8;

/// A build file larger than this is not read: no `setup.py` or `package.json` is.
const MAX_FILE_BYTES: usize = 512 * 1024;

/// Reads every source into the mirror cache under `mirrors` and scans it, in parallel;
/// `progress` hears of each repository as it finishes. The first failure (in `sources`
/// order) is returned, naming its remote.
pub fn read_all(
    sources: &[ImportSource],
    mirrors: &std::path::Path,
    progress: &(dyn Fn(&RepoRead) + Sync),
) -> Result<Vec<RepoScan>, ImportError> {
    let git = Git::new().with_env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
    let cache = MirrorCache::new(git, mirrors);
    let done = AtomicUsize::new(0);
    let results = crate::facts::parallel_map(sources, PARALLEL_READS, |source| {
        let result = read(&cache, source);
        let mut read = RepoRead {
            done: done.fetch_add(1, Ordering::SeqCst) + 1,
            total: sources.len(),
            name: source.name.clone(),
            branches: 0,
            tags: 0,
            files: 0,
            error: None,
        };
        match &result {
            Ok(scan) => {
                read.branches = scan.branches.len();
                read.tags = scan.tags.len();
                read.files = scan.paths.len();
            }
            Err(err) => read.error = Some(err.to_string()),
        }
        progress(&read);
        result
    });
    results.into_iter().collect()
}

fn read(cache: &MirrorCache, source: &ImportSource) -> Result<RepoScan, ImportError> {
    let failed = |source_error: GitError| ImportError::Read {
        remote: source.given.clone(),
        source: source_error,
    };
    let mirror = cache.refresh(&source.name, &source.url).map_err(failed)?;
    let refs = mirror.refs().map_err(failed)?;
    let branches: Vec<String> = refs.branches().keys().cloned().collect();
    let tags: Vec<String> = refs.tags().keys().cloned().collect();
    let head = mirror
        .current_branch()
        .map_err(failed)?
        .map(|b| b.as_str().to_owned());
    // HEAD of a bare clone is the remote's default branch; an unborn one (HEAD naming a
    // branch that does not exist) falls back to the usual names.
    let default_branch = head
        .filter(|b| branches.contains(b))
        .or_else(|| {
            ["master", "main"]
                .iter()
                .map(|b| (*b).to_owned())
                .find(|b| branches.contains(b))
        })
        .or_else(|| branches.first().cloned())
        .unwrap_or_else(|| "master".to_owned());
    let (paths, files) = if branches.contains(&default_branch) {
        files_at(&mirror, &format!("refs/heads/{default_branch}")).map_err(failed)?
    } else {
        (Vec::new(), BTreeMap::new())
    };
    let mut scan = RepoScan {
        name: source.name.clone(),
        remote: source.remote.clone(),
        default_branch,
        branches,
        tags,
        paths,
        files,
        work_tree: source.work_tree,
    };
    // What the build files point at (the `__version__` module a setup.py reads) is known only
    // once they are read.
    let rev = format!("refs/heads/{}", scan.default_branch);
    for path in Evidence::further_files(&scan) {
        if let Some(text) = read_text(&mirror, &rev, &path).map_err(failed)? {
            scan.files.insert(path, text);
        }
    }
    Ok(scan)
}

/// The text of `path` at `rev`, when it is UTF-8 and not larger than [`MAX_FILE_BYTES`].
fn read_text(mirror: &Repo, rev: &str, path: &str) -> Result<Option<String>, GitError> {
    Ok(mirror
        .read_file(rev, path)?
        .filter(|bytes| bytes.len() <= MAX_FILE_BYTES)
        .and_then(|bytes| String::from_utf8(bytes).ok()))
}

#[allow(clippy::type_complexity)]
fn files_at(mirror: &Repo, rev: &str) -> Result<(Vec<String>, BTreeMap<String, String>), GitError> {
    let paths = mirror.list_files(rev)?;
    let mut files = BTreeMap::new();
    for path in paths.iter().filter(|p| RepoScan::wants(p)) {
        if let Some(text) = read_text(mirror, rev, path)? {
            files.insert(path.clone(), text);
        }
    }
    Ok((paths, files))
}
