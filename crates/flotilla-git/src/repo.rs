use std::fs;
use std::path::{Path, PathBuf};

use crate::git_command::GitCommand;
use crate::{
    CommitInfo, FailureKind, Git, GitError, Oid, PushOptions, PushRejection, RefName, RemoteRefs,
    TagInfo, TreeEntry, cleanup_whitespace, work_tree_path,
};

/// A repository on disk, bare or with a work tree, and the `Git` handle that drives it.
///
/// Every method runs at most the git processes its documentation names (usually one), so a
/// caller can reason about the cost per repository.
#[derive(Debug, Clone)]
pub struct Repo {
    git: Git,
    path: PathBuf,
    bare: bool,
}

impl Repo {
    /// Opens the repository at `path` (no git process). It is bare unless `path/.git` exists.
    pub fn open(git: Git, path: impl AsRef<Path>) -> Result<Self, GitError> {
        let path = path.as_ref();
        // An absolute, resolved path makes the discovery ceiling (see GitCommand::in_repo) exact.
        let path = fs::canonicalize(path)
            .or_else(|_| std::path::absolute(path))
            .map_err(|source| GitError::Io {
                action: "resolve the repository path",
                path: path.to_owned(),
                source,
            })?;
        let bare = !path.join(".git").exists();
        Ok(Self { git, path, bare })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn git(&self) -> &Git {
        &self.git
    }

    pub fn is_bare(&self) -> bool {
        self.bare
    }

    fn command(&self) -> GitCommand<'_> {
        GitCommand::new(&self.git).in_repo(&self.path, self.bare)
    }

    /// `git fetch --prune` from `remote` (a remote name or URL); no refspecs means the remote's
    /// configured ones.
    pub fn fetch(&self, remote: &str, refspecs: &[&str]) -> Result<(), GitError> {
        self.command()
            .args(["fetch", "--quiet", "--prune", "--", remote])
            .args(refspecs)
            .run()
            .map(drop)
    }

    /// Branches and tags of `remote` (a remote name or URL).
    pub fn ls_remote(&self, remote: &str) -> Result<RemoteRefs, GitError> {
        RemoteRefs::list(self.command(), remote)
    }

    /// This repository's own branches and tags, as [`Repo::ls_remote`] would list them.
    pub fn refs(&self) -> Result<RemoteRefs, GitError> {
        RemoteRefs::list_local(self.command())
    }

    /// The bytes of `path` at `rev` (`git cat-file blob REV:PATH`, so no filters apply);
    /// `None` when `rev` exists but has no such file. A missing `rev` is an error
    /// ([`GitError::is_ref_not_found`]).
    pub fn read_file(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let command = self
            .command()
            .args(["cat-file", "blob", "--end-of-options"])
            .arg(format!("{rev}:{path}"));
        let output = command.output()?;
        if output.success() {
            return Ok(Some(output.stdout));
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("does not exist in") || stderr.contains("exists on disk, but not in") {
            return Ok(None);
        }
        Err(command.failure(&output, None))
    }

    /// Every file path of the tree at `rev` (`git ls-tree -r -z --name-only`), in git's order.
    pub fn list_files(&self, rev: &str) -> Result<Vec<String>, GitError> {
        let output = self
            .command()
            .args([
                "ls-tree",
                "-r",
                "-z",
                "--name-only",
                "--end-of-options",
                rev,
            ])
            .run()?;
        Ok(output
            .stdout
            .split(|b| *b == 0)
            .filter(|path| !path.is_empty())
            .map(|path| String::from_utf8_lossy(path).into_owned())
            .collect())
    }

    /// The object `rev` names, or `None` when it names nothing. Append `^{commit}` to peel.
    pub fn rev_parse(&self, rev: &str) -> Result<Option<Oid>, GitError> {
        let command =
            self.command()
                .args(["rev-parse", "--verify", "--quiet", "--end-of-options", rev]);
        let output = command.output()?;
        match output.code {
            Some(0) => Oid::parse(output.stdout_text().trim())
                .map(Some)
                .map_err(|error| command.unexpected(error.to_string())),
            Some(1) => Ok(None),
            _ => Err(command.failure(&output, None)),
        }
    }

    /// The commit HEAD points at; `None` on an unborn branch (an empty repository).
    pub fn head(&self) -> Result<Option<Oid>, GitError> {
        self.rev_parse("HEAD")
    }

    /// The checked-out branch (short name); `None` when HEAD is detached.
    pub fn current_branch(&self) -> Result<Option<RefName>, GitError> {
        let command = self.command().args(["symbolic-ref", "--quiet", "HEAD"]);
        let output = command.output()?;
        match output.code {
            Some(0) => {
                let full = output.stdout_text();
                let short = full.trim().strip_prefix("refs/heads/").ok_or_else(|| {
                    command.unexpected(format!("HEAD points at {:?}, not a branch", full.trim()))
                })?;
                RefName::new(short)
                    .map(Some)
                    .map_err(|error| command.unexpected(error.to_string()))
            }
            Some(1) => Ok(None),
            _ => Err(command.failure(&output, None)),
        }
    }

    /// Creates branch `name` at `start_point` without switching to it or tracking anything.
    /// An existing branch is an error ([`GitError::is_already_exists`]).
    pub fn create_branch(&self, name: &RefName, start_point: &str) -> Result<(), GitError> {
        self.command()
            .args([
                "branch",
                "--no-track",
                "--end-of-options",
                name.as_str(),
                start_point,
            ])
            .run()
            .map(drop)
    }

    /// Switches the work tree to `branch`; a branch that exists only as `origin/<branch>` is
    /// created from it, as `git switch` does.
    pub fn switch(&self, branch: &RefName) -> Result<(), GitError> {
        self.command()
            .args(["switch", "--quiet", "--end-of-options", branch.as_str()])
            .run()
            .map(drop)
    }

    /// Creates `branch` at `start_point` and switches to it, in one process.
    /// An existing branch is an error ([`GitError::is_already_exists`]).
    pub fn switch_create(&self, branch: &RefName, start_point: &str) -> Result<(), GitError> {
        self.command()
            .args([
                "switch",
                "--quiet",
                "--no-track",
                "--create",
                branch.as_str(),
            ])
            .args(["--end-of-options", start_point])
            .run()
            .map(drop)
    }

    /// Writes `contents` to `path` (relative, `/`-separated) in the work tree, creating parent
    /// directories. No git process; stage it with [`Repo::add`].
    pub fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), GitError> {
        if self.bare {
            return Err(GitError::BareRepository {
                path: self.path.clone(),
            });
        }
        let target = work_tree_path::resolve(&self.path, path)?;
        work_tree_path::refuse_symlinks(&self.path, path, &target)?;
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|source| GitError::Io {
                action: "create the directory",
                path: parent.to_owned(),
                source,
            })?;
        }
        fs::write(&target, contents).map_err(|source| GitError::Io {
            action: "write",
            path: target.clone(),
            source,
        })
    }

    /// Removes files and directories from the work tree and the index
    /// (`git rm -r --ignore-unmatch`); paths that do not exist are fine. No process when
    /// `paths` is empty.
    pub fn remove_paths(&self, paths: &[&str]) -> Result<(), GitError> {
        self.pathspec_command(&["rm", "-r", "--quiet", "--ignore-unmatch", "--"], paths)
    }

    /// Stages additions, changes and deletions under `paths`. No process when `paths` is empty.
    pub fn add(&self, paths: &[&str]) -> Result<(), GitError> {
        self.pathspec_command(&["add", "--all", "--"], paths)
    }

    /// Stages every change in the work tree.
    pub fn add_all(&self) -> Result<(), GitError> {
        self.command().args(["add", "--all"]).run().map(drop)
    }

    /// Puts `paths` in the index back as they are in `HEAD` (gone, when `HEAD` lacks them), so
    /// that changes under them stay out of the next commit. No process when `paths` is empty.
    pub fn unstage(&self, paths: &[&str]) -> Result<(), GitError> {
        self.pathspec_command(&["reset", "--quiet", "--"], paths)
    }

    /// Runs a command on literal paths (no glob or `:(magic)`), each checked to stay inside the
    /// work tree.
    fn pathspec_command(&self, args: &[&str], paths: &[&str]) -> Result<(), GitError> {
        if paths.is_empty() {
            return Ok(());
        }
        for path in paths {
            work_tree_path::resolve(&self.path, path)?;
        }
        self.command()
            .arg("--literal-pathspecs")
            .args(args)
            .args(paths)
            .run()
            .map(drop)
    }

    /// Commits what is staged, as the `Git` handle's identity, and returns the new commit;
    /// `None` when nothing is staged. One process: the new commit's id is read from git's
    /// summary line (a second process only if that line cannot be read).
    pub fn commit(&self, message: &str) -> Result<Option<Oid>, GitError> {
        let command = self.command().with_identity().args([
            // The summary line then carries the whole commit id, not an abbreviation.
            "-c",
            "core.abbrev=no",
            "commit",
            "--no-status",
            // Keeps lines starting with `#`, which the default cleanup would drop.
            "--cleanup=whitespace",
            "-m",
            message,
        ]);
        let command = if self.git.signs_commits() {
            command.arg("--gpg-sign")
        } else {
            command
        };
        let output = command.output()?;
        if !output.success() {
            let stdout = output.stdout_text();
            let nothing_staged = output.code == Some(1)
                && [
                    "nothing to commit",
                    "nothing added to commit",
                    "no changes added to commit",
                ]
                .iter()
                .any(|needle| stdout.contains(needle));
            return if nothing_staged {
                Ok(None)
            } else {
                Err(command.failure(&output, None))
            };
        }
        if let Some(oid) = committed_oid(&output.stdout_text()) {
            return Ok(Some(oid));
        }
        match self.head()? {
            Some(oid) => Ok(Some(oid)),
            None => Err(command.unexpected("HEAD does not name a commit after committing")),
        }
    }

    /// Creates annotated tag `name` on `target` with `message`, as the `Git` handle's identity.
    /// An existing tag is an error ([`GitError::is_already_exists`]); look it up first with
    /// [`Repo::find_tag`] to make tagging idempotent.
    pub fn tag_annotated(
        &self,
        name: &RefName,
        target: &str,
        message: &str,
    ) -> Result<(), GitError> {
        self.command()
            .with_identity()
            .args([
                "tag",
                if self.git.signs_tags() {
                    "--sign"
                } else {
                    "--annotate"
                },
            ])
            .args(["--cleanup=whitespace", "-m", message])
            .args(["--end-of-options", name.as_str(), target])
            .run()
            .map(drop)
    }

    /// The local tag `name` (short name, like `v1.2.3`) and the commit it names; `None` when it
    /// does not exist.
    pub fn find_tag(&self, name: &RefName) -> Result<Option<TagInfo>, GitError> {
        let full = format!("refs/tags/{name}");
        let command = self.command().args([
            "for-each-ref",
            "--format=%(refname)%00%(objectname)%00%(objecttype)%00%(*objectname)%00%(*objecttype)",
            &full,
        ]);
        let output = command.run()?;
        let listing = output.stdout_text();
        // for-each-ref also lists refs *below* the pattern (refs/tags/v1/x for refs/tags/v1).
        let Some(line) = listing
            .lines()
            .find(|line| line.split('\0').next() == Some(full.as_str()))
        else {
            return Ok(None);
        };
        let fields: Vec<&str> = line.split('\0').collect();
        let [_, object, object_type, peeled, peeled_type] = fields.as_slice() else {
            return Err(command.unexpected(format!("line {line:?} does not have five fields")));
        };
        let parse =
            |oid: &str| Oid::parse(oid).map_err(|error| command.unexpected(error.to_string()));
        let oid = parse(object)?;
        let annotated = *object_type == "tag";
        let commit = match (*object_type, *peeled_type) {
            ("commit", _) => oid.clone(),
            ("tag", "commit") => parse(peeled)?,
            // A tag of a tag (or of a tree): let git peel it all the way.
            _ => self
                .rev_parse(&format!("{full}^{{commit}}"))?
                .ok_or_else(|| {
                    command.unexpected(format!("tag {name} does not point at a commit"))
                })?,
        };
        Ok(Some(TagInfo {
            oid,
            commit,
            annotated,
        }))
    }

    /// The newest commit reachable from `rev` whose message has `line` as one of its lines
    /// (a trailer such as `Flotilla-Deployment: ID`); `None` when none has.
    pub fn find_commit_with_line(&self, rev: &str, line: &str) -> Result<Option<Oid>, GitError> {
        let pattern = format!("^{}$", regex_literal(line));
        let command = self.command().args([
            "log",
            "--max-count=1",
            "--format=%H",
            "--basic-regexp",
            "--grep",
            &pattern,
            "--end-of-options",
            rev,
            "--",
        ]);
        let output = command.output()?;
        if output.code != Some(0) {
            return Err(command.failure(&output, None));
        }
        match output.stdout_text().trim() {
            "" => Ok(None),
            oid => Oid::parse(oid)
                .map(Some)
                .map_err(|error| command.unexpected(error.to_string())),
        }
    }

    /// Whether `ancestor` is reachable from `descendant` (a commit is its own ancestor).
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool, GitError> {
        let command = self.command().args([
            "merge-base",
            "--is-ancestor",
            "--end-of-options",
            ancestor,
            descendant,
        ]);
        let output = command.output()?;
        match output.code {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(command.failure(&output, None)),
        }
    }

    /// Pushes `refspecs` (like `HEAD:refs/heads/main`, `refs/tags/v1.2.3`) to `remote` (a
    /// remote name or URL). Refused refs come back as [`FailureKind::PushRejected`]; see
    /// [`GitError::push_rejection`].
    pub fn push(
        &self,
        remote: &str,
        refspecs: &[&str],
        options: &PushOptions,
    ) -> Result<(), GitError> {
        let mut command = self.command().args(["push", "--porcelain"]);
        if options.atomic {
            command = command.arg("--atomic");
        }
        for (remote_ref, expected) in &options.leases {
            let expected = expected.as_ref().map_or("", Oid::as_str);
            command = command.arg(format!("--force-with-lease={remote_ref}:{expected}"));
        }
        let command = command.args(["--", remote]).args(refspecs);
        let output = command.output()?;
        if output.success() {
            return Ok(());
        }
        let kind = PushRejection::parse(&output.stdout_text()).map(FailureKind::PushRejected);
        Err(command.failure(&output, kind))
    }

    /// Deletes `remote_ref` (full name, like `refs/heads/tmp`) on `remote`.
    pub fn delete_remote_ref(&self, remote: &str, remote_ref: &str) -> Result<(), GitError> {
        self.push(remote, &[&format!(":{remote_ref}")], &PushOptions::new())
    }

    /// Every entry of the tree of `rev`, trees included, recursively
    /// (`git ls-tree -r -t -z --full-tree`), in git's order. One process.
    pub fn tree_entries(&self, rev: &str) -> Result<Vec<TreeEntry>, GitError> {
        let command = self.command().args([
            "ls-tree",
            "-r",
            "-t",
            "-z",
            "--full-tree",
            "--end-of-options",
            rev,
        ]);
        let output = command.run()?;
        let mut entries = Vec::new();
        for record in output.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            let record = String::from_utf8_lossy(record);
            let parsed = record.split_once('\t').and_then(|(head, path)| {
                let mut fields = head.split(' ');
                let (mode, kind, oid) = (fields.next()?, fields.next()?, fields.next()?);
                Some((mode, kind, Oid::parse(oid).ok()?, path))
            });
            let Some((mode, kind, oid, path)) = parsed else {
                return Err(command.unexpected(format!("cannot read tree entry {record:?}")));
            };
            entries.push(TreeEntry {
                mode: mode.to_owned(),
                kind: kind.to_owned(),
                oid,
                path: path.to_owned(),
            });
        }
        Ok(entries)
    }

    /// Writes `contents` as a blob (`git hash-object -w --stdin`, no filters) and returns its
    /// id. One process.
    pub fn write_blob(&self, contents: &[u8]) -> Result<Oid, GitError> {
        let command = self
            .command()
            .args(["hash-object", "-w", "--no-filters", "--stdin"])
            .input(contents.to_vec());
        parse_oid(&command, &command.run()?)
    }

    /// Writes one tree of `entries` (mode, kind, id, name: names without `/`), as
    /// `git mktree -z`, and returns its id. One process.
    pub fn write_tree(&self, entries: &[(&str, &str, &Oid, &str)]) -> Result<Oid, GitError> {
        let mut input = Vec::new();
        for (mode, kind, oid, name) in entries {
            input.extend_from_slice(format!("{mode} {kind} {oid}\t{name}\0").as_bytes());
        }
        let command = self.command().args(["mktree", "-z"]).input(input);
        parse_oid(&command, &command.run()?)
    }

    /// Writes the commit of `tree` on `parent` with `message` (cleaned up as `git commit
    /// --cleanup=whitespace` does), as the handle's identity and dates, signed when the handle
    /// signs commits: the commit `git commit` would make of the same tree. One process.
    pub fn commit_tree(&self, tree: &Oid, parent: &Oid, message: &str) -> Result<Oid, GitError> {
        let command = self.command().with_identity().arg("commit-tree");
        let command = if self.git.signs_commits() {
            command.arg("--gpg-sign")
        } else {
            command
        };
        let command = command
            .args([tree.as_str(), "-p", parent.as_str()])
            .input(cleanup_whitespace(message).into_bytes());
        parse_oid(&command, &command.run()?)
    }

    /// Writes the annotated tag object `name` on commit `target` with `message`, as `git tag
    /// --annotate --cleanup=whitespace` would (tagger: the handle's identity and committer
    /// date), without creating a ref. Two processes (`git var`, `git mktag`).
    pub fn write_tag(&self, name: &RefName, target: &Oid, message: &str) -> Result<Oid, GitError> {
        let var = self
            .command()
            .with_identity()
            .args(["var", "GIT_COMMITTER_IDENT"]);
        let tagger = var.run()?.stdout_text().trim_end().to_owned();
        let object = format!(
            "object {target}\ntype commit\ntag {name}\ntagger {tagger}\n\n{}",
            cleanup_whitespace(message)
        );
        let command = self.command().arg("mktag").input(object.into_bytes());
        parse_oid(&command, &command.run()?)
    }

    /// Author and subject of commit `rev`. A missing `rev` is an error
    /// ([`GitError::is_ref_not_found`]).
    pub fn commit_info(&self, rev: &str) -> Result<CommitInfo, GitError> {
        let command = self.command().args([
            "log",
            "-1",
            "--no-show-signature",
            "--format=%H%x00%an%x00%ae%x00%s",
            "--end-of-options",
            rev,
            "--",
        ]);
        let output = command.run()?;
        let text = output.stdout_text();
        let fields: Vec<&str> = text.trim_end_matches('\n').split('\0').collect();
        let [oid, author_name, author_email, subject] = fields.as_slice() else {
            return Err(command.unexpected(format!("{text:?} does not have four fields")));
        };
        Ok(CommitInfo {
            oid: Oid::parse(oid).map_err(|error| command.unexpected(error.to_string()))?,
            author_name: (*author_name).to_owned(),
            author_email: (*author_email).to_owned(),
            subject: (*subject).to_owned(),
        })
    }
}

/// The commit id in `git commit`'s summary line, `[<branch> [(root-commit) ]<oid>] <subject>`:
/// the first word that is an object id followed by `]` (a branch name may contain `]` too, but
/// is never an object id directly before it).
/// The object id a plumbing command printed.
fn parse_oid(
    command: &GitCommand<'_>,
    output: &crate::git_command::GitOutput,
) -> Result<Oid, GitError> {
    Oid::parse(output.stdout_text().trim()).map_err(|error| command.unexpected(error.to_string()))
}

fn committed_oid(summary: &str) -> Option<Oid> {
    let first_line = summary.lines().next()?.strip_prefix('[')?;
    first_line
        .split(' ')
        .filter_map(|word| word.strip_suffix(']'))
        .find_map(|word| Oid::parse(word).ok())
}

/// `text` as a POSIX basic regular expression matching itself.
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '.' | '[' | ']' | '\\' | '*' | '^' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::committed_oid;

    #[test]
    fn commit_summary_lines_give_the_commit_id() {
        let oid = "48aefb2692f92164c3ad3b66e5b1731977b93566";
        for summary in [
            format!("[master {oid}] second\n 1 file changed, 1 insertion(+)\n"),
            format!("[master (root-commit) {oid}] first ] {oid}] msg\n"),
            format!("[detached HEAD {oid}] fourth\n"),
            format!("[odd]name {oid}] subject\n"),
        ] {
            assert_eq!(
                committed_oid(&summary).map(|o| o.to_string()).as_deref(),
                Some(oid),
                "{summary}"
            );
        }
        assert_eq!(committed_oid("[master 48aefb2] abbreviated\n"), None);
        assert_eq!(committed_oid("On branch master\nnothing to commit\n"), None);
    }
}
