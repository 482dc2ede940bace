//! Where a remote from the manifest points, as git should be given it.
//!
//! The manifest's relative paths are relative to its directory, while git would take them
//! relative to wherever it runs; everything git itself reads as a remote address is passed on
//! untouched. "What git reads as an address" follows git's own rule (`url_is_local_not_ssh` in
//! git's `connect.c`), so that flotilla and `git clone` never disagree about one string:
//!
//! - `scheme://…` is a URL;
//! - otherwise a `:` that comes before any `/` makes it scp-like ssh, `[user@]host:path`, with
//!   or without a user (`git@github.com:org/app.git`, `deploy-host:repos/app.git`);
//! - everything else is a path: absolute as is, relative joined to the manifest's directory.
//!
//! A relative path whose first component contains `:` (`deploy:v2.git`) is therefore read as
//! ssh to the host `deploy`, as git reads it; write `./deploy:v2.git` to mean the directory. An
//! `@` alone says nothing: `../deploy@2.git` is a path.

use std::path::Path;

/// `remote` resolved against `root`, the manifest's directory.
pub fn resolve(root: &Path, remote: &str) -> String {
    if remote.contains("://") || is_scp_like(remote) || Path::new(remote).is_absolute() {
        remote.to_owned()
    } else {
        root.join(remote).display().to_string()
    }
}

/// `[user@]host:path`: a colon before the first slash.
fn is_scp_like(remote: &str) -> bool {
    match (remote.find(':'), remote.find('/')) {
        (Some(colon), Some(slash)) => colon < slash,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(remote: &str) -> String {
        resolve(Path::new("/fleet"), remote)
    }

    #[test]
    fn urls_pass_through() {
        for url in [
            "https://github.com/org/app.git",
            "ssh://git@github.com:22/org/app.git",
            "file:///srv/git/app.git",
            "git://example.com/app.git",
        ] {
            assert_eq!(resolved(url), url);
        }
    }

    #[test]
    fn scp_like_remotes_pass_through_with_or_without_a_user() {
        for remote in [
            "git@github.com:org/app.git",
            "git@github.com:app.git",
            "deploy-host:repos/app.git",
            "deploy-host:app.git",
            "user@host:/srv/git/app.git",
            "[::1]:repos/app.git",
        ] {
            assert_eq!(resolved(remote), remote);
        }
    }

    #[test]
    fn absolute_paths_pass_through() {
        assert_eq!(resolved("/srv/git/app.git"), "/srv/git/app.git");
        assert_eq!(resolved("/srv/git:old/app.git"), "/srv/git:old/app.git");
    }

    #[test]
    fn relative_paths_are_taken_from_the_manifest_directory() {
        assert_eq!(resolved("../app.git"), "/fleet/../app.git");
        assert_eq!(resolved("repos/app.git"), "/fleet/repos/app.git");
        assert_eq!(resolved("app.git"), "/fleet/app.git");
        // An `@` does not make an address; a `:` after a `/` does not either.
        assert_eq!(resolved("../deploy@2.git"), "/fleet/../deploy@2.git");
        assert_eq!(resolved("repos/v1:old.git"), "/fleet/repos/v1:old.git");
        assert_eq!(resolved("./deploy:v2.git"), "/fleet/./deploy:v2.git");
    }

    #[test]
    fn a_colon_before_any_slash_is_read_as_git_reads_it() {
        // Ambiguous: git reads this as ssh to the host `deploy`, and so does flotilla.
        assert_eq!(resolved("deploy:v2.git"), "deploy:v2.git");
    }
}
