//! `flotilla hook install`: a post-receive hook in a bare repository that signs each push's
//! ref updates and posts them to `POST /hooks/git`.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::secret::Secret;
use crate::server_error::ServerError;

/// The hook: POSIX sh, openssl for the HMAC, curl for the POST.
const SCRIPT: &str = include_str!("post-receive.sh");

/// The first lines of the script, by which an installed hook is known as flotilla's.
const MARKER: &str = "# flotilla post-receive hook";

/// Beside the hook, readable by its owner only: the hook's process reads it, so the secret is
/// neither in the script nor in the pushing user's environment.
const SECRET_FILE: &str = "flotilla-secret";

/// Installs the hook with the secret held by the environment variable `secret_env`; see
/// [`install_hook_with_secret`].
pub fn install_hook(
    bare_repo: &Path,
    url: &str,
    secret_env: &str,
    repo_name: &str,
) -> Result<PathBuf, ServerError> {
    install_hook_with_secret(bare_repo, url, &Secret::from_env(secret_env)?, repo_name)
}

/// Writes `hooks/post-receive` (mode 0755) and `hooks/flotilla-secret` (mode 0600) into
/// `bare_repo`, so that each push posts its ref updates for `repo_name` (the manifest's name) to
/// `url` (the server's base URL, or the full `/hooks/git` URL), signed with `secret`. Installing
/// again replaces both; a post-receive hook that flotilla did not write is left alone (error).
/// Returns the hook's path.
pub fn install_hook_with_secret(
    bare_repo: &Path,
    url: &str,
    secret: &Secret,
    repo_name: &str,
) -> Result<PathBuf, ServerError> {
    if !valid_repo_name(repo_name) {
        return Err(ServerError::InvalidRepoName {
            name: repo_name.to_owned(),
        });
    }
    let url = hook_url(url)?;
    if !(bare_repo.join("HEAD").is_file() && bare_repo.join("objects").is_dir()) {
        return Err(ServerError::NotBareRepository {
            path: bare_repo.to_path_buf(),
        });
    }
    for (tool, purpose, arg) in [
        ("openssl", "sign deliveries", "version"),
        ("curl", "post deliveries", "--version"),
    ] {
        let found = Command::new(tool)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !found {
            return Err(ServerError::MissingTool { tool, purpose });
        }
    }
    let hooks = bare_repo.join("hooks");
    std::fs::create_dir_all(&hooks).map_err(io("create", &hooks))?;
    let hook = hooks.join("post-receive");
    match std::fs::read_to_string(&hook) {
        Ok(existing) if !existing.lines().take(3).any(|l| l.starts_with(MARKER)) => {
            return Err(ServerError::ForeignHook { path: hook });
        }
        _ => {}
    }
    write_atomically(&hooks.join(SECRET_FILE), secret.expose().as_bytes(), 0o600)?;
    let script = SCRIPT.replace("@URL@", &url).replace("@REPO@", repo_name);
    write_atomically(&hook, script.as_bytes(), 0o755)?;
    Ok(hook)
}

/// The manifest's repository names, and nothing a shell or JSON would read differently.
fn valid_repo_name(name: &str) -> bool {
    name.len() <= 100
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// The URL the hook posts to; it goes between single quotes in the script.
fn hook_url(url: &str) -> Result<String, ServerError> {
    let plain = (url.starts_with("http://") || url.starts_with("https://"))
        && !url
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "'\"`\\$".contains(c));
    if !plain {
        return Err(ServerError::InvalidUrl {
            url: url.to_owned(),
        });
    }
    let base = url.trim_end_matches('/');
    Ok(if base.ends_with("/hooks/git") {
        base.to_owned()
    } else {
        format!("{base}/hooks/git")
    })
}

/// Writes `content` with `mode` from the first byte (a temporary file renamed into place), so
/// the secret is never readable by others and a running push never sees half a hook.
fn write_atomically(path: &Path, content: &[u8], mode: u32) -> Result<(), ServerError> {
    let temp = path.with_extension("flotilla-tmp");
    let _ = std::fs::remove_file(&temp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temp)
        .map_err(io("create", &temp))?;
    file.write_all(content).map_err(io("write", &temp))?;
    // The umask may have narrowed the mode given at creation.
    file.set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(io("set the permissions of", &temp))?;
    drop(file);
    std::fs::rename(&temp, path).map_err(io("move into place", path))
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ServerError {
    let path = path.to_path_buf();
    move |source| ServerError::Io {
        action,
        path,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_names_are_restricted_to_what_needs_no_quoting() {
        for good in ["identity", "plugin-aws-ec2", "a.b_c", "0ad"] {
            assert!(valid_repo_name(good), "{good}");
        }
        for bad in ["", "-x", "Identity", "a b", "a'b", "a\"b", "a/b", "$(id)"] {
            assert!(!valid_repo_name(bad), "{bad}");
        }
    }

    #[test]
    fn the_url_gets_the_hook_path_once_and_quotes_are_refused() {
        assert_eq!(
            hook_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/hooks/git"
        );
        assert_eq!(
            hook_url("https://ci.example/").unwrap(),
            "https://ci.example/hooks/git"
        );
        assert_eq!(
            hook_url("http://h/hooks/git").unwrap(),
            "http://h/hooks/git"
        );
        for bad in [
            "ftp://h",
            "http://h/'x",
            "http://h/ x",
            "http://h/$(id)",
            "h:8080",
        ] {
            assert!(hook_url(bad).is_err(), "{bad}");
        }
    }
}
