//! The `github:` section and the GitHub keys of categories and repositories (`executor`,
//! `release_workflow`, `github_repository`): read into [`GithubSettings`] and [`Executor`],
//! each problem a [`Finding`] at its key.

use super::checks;
use super::diagnostic::Finding;
use super::document::{GithubAuthDoc, GithubDoc};
use crate::executor::{Executor, ExecutorKind};
use crate::github_settings::{
    DEFAULT_API_URL, DEFAULT_DISPATCH_TIMEOUT_SECS, DEFAULT_POLL_INTERVAL_SECS,
    DEFAULT_RELEASE_WORKFLOW, DEFAULT_TOKEN_ENV, GithubAuth, GithubKey, GithubSettings,
};
use crate::yaml::TextPos;
use crate::yaml::spanned_tree::Cursor;

/// Reads the `github:` section at `node`.
pub(super) fn settings(
    doc: GithubDoc,
    node: Cursor<'_>,
    findings: &mut Vec<Finding>,
) -> GithubSettings {
    let api_url = doc
        .api_url
        .unwrap_or_else(|| DEFAULT_API_URL.to_owned())
        .trim_end_matches('/')
        .to_owned();
    let url_pos = node.key("api_url").pos();
    if let Err(refusal) = checks::no_inline_credentials(&api_url) {
        findings.push(
            Finding::new(url_pos, format!("`github.api_url` {}", refusal.reason))
                .maybe_help(refusal.help),
        );
    } else if api_url.starts_with("http://") && !doc.insecure {
        findings.push(
            Finding::new(url_pos, "`github.api_url` uses plain HTTP")
                .help("use https://, or set `insecure: true` for a local test server"),
        );
    } else if !api_url.starts_with("https://") && !api_url.starts_with("http://") {
        findings.push(
            Finding::new(url_pos, format!("`github.api_url` {api_url:?} is not an HTTP URL"))
                .help("write `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server"),
        );
    }
    if !owner_ok(&doc.owner) {
        findings.push(
            Finding::new(
                node.key("owner").pos(),
                format!(
                    "`github.owner` {:?} is not a GitHub account name",
                    doc.owner
                ),
            )
            .help("letters, digits and `-`, as in `cloudforet-io`"),
        );
    }
    let release_workflow = doc
        .release_workflow
        .unwrap_or_else(|| DEFAULT_RELEASE_WORKFLOW.to_owned());
    workflow_file(
        &release_workflow,
        node.key("release_workflow").pos(),
        findings,
    );
    let mut positive = |value: Option<u64>, key: &str, default: u64| {
        let value = value.unwrap_or(default);
        if value == 0 {
            findings.push(Finding::new(
                node.key(key).pos(),
                format!("`github.{key}` must be at least 1"),
            ));
        }
        value
    };
    let poll_interval_secs = positive(
        doc.poll_interval_secs,
        "poll_interval_secs",
        DEFAULT_POLL_INTERVAL_SECS,
    );
    let dispatch_timeout_secs = positive(
        doc.dispatch_timeout_secs,
        "dispatch_timeout_secs",
        DEFAULT_DISPATCH_TIMEOUT_SECS,
    );
    let auth = match doc.auth {
        Some(auth) => self::auth(auth, node.key("auth"), findings),
        None => GithubAuth::Token {
            env: DEFAULT_TOKEN_ENV.to_owned(),
        },
    };
    GithubSettings {
        api_url,
        insecure: doc.insecure,
        owner: doc.owner,
        auth,
        release_workflow,
        poll_interval_secs,
        dispatch_timeout_secs,
    }
}

fn auth(doc: GithubAuthDoc, node: Cursor<'_>, findings: &mut Vec<Finding>) -> GithubAuth {
    const HELP: &str = "write `token_env: NAME` for a token, or `app_id`, `installation_id` and \
                        one of `private_key_env`, `private_key_file` for a GitHub App";
    for (key, value) in [
        ("token_env", &doc.token_env),
        ("private_key_env", &doc.private_key_env),
    ] {
        if let Some(value) = value
            && let Err(refusal) = checks::env_name(value)
        {
            findings.push(
                Finding::new(
                    node.key(key).pos(),
                    format!("`github.auth.{key}` {}", refusal.reason),
                )
                .maybe_help(refusal.help),
            );
        }
    }
    if let Some(file) = &doc.private_key_file
        && file.trim().is_empty()
    {
        findings.push(Finding::new(
            node.key("private_key_file").pos(),
            "`github.auth.private_key_file` is empty",
        ));
    }
    let app = doc.app_id.is_some()
        || doc.installation_id.is_some()
        || doc.private_key_env.is_some()
        || doc.private_key_file.is_some();
    match (doc.token_env, app) {
        (Some(env), false) => GithubAuth::Token { env },
        (Some(env), true) => {
            findings.push(
                Finding::new(
                    node.pos(),
                    "`github.auth` sets both a token and a GitHub App",
                )
                .help(HELP),
            );
            GithubAuth::Token { env }
        }
        (None, false) => {
            findings
                .push(Finding::new(node.pos(), "`github.auth` names no credentials").help(HELP));
            GithubAuth::Token {
                env: DEFAULT_TOKEN_ENV.to_owned(),
            }
        }
        (None, true) => {
            let private_key = match (doc.private_key_env, doc.private_key_file) {
                (Some(env), None) => GithubKey::Env(env),
                (None, Some(file)) => GithubKey::File(file),
                (env, _) => {
                    let message = if env.is_some() {
                        "`github.auth` sets both `private_key_env` and `private_key_file`"
                    } else {
                        "`github.auth` of a GitHub App needs `private_key_env` or `private_key_file`"
                    };
                    findings.push(Finding::new(node.pos(), message).help(HELP));
                    GithubKey::Env(String::new())
                }
            };
            let mut id = |value: Option<u64>, key: &str| {
                if value.is_none() {
                    findings.push(
                        Finding::new(
                            node.pos(),
                            format!("`github.auth` of a GitHub App needs `{key}`"),
                        )
                        .help(HELP),
                    );
                }
                value.unwrap_or_default()
            };
            GithubAuth::App {
                app_id: id(doc.app_id, "app_id"),
                installation_id: id(doc.installation_id, "installation_id"),
                private_key,
            }
        }
    }
}

/// A workflow file name: `NAME.yml` or `NAME.yaml`, no directory.
pub(super) fn workflow_file(name: &str, pos: TextPos, findings: &mut Vec<Finding>) -> bool {
    let stem = name
        .strip_suffix(".yml")
        .or_else(|| name.strip_suffix(".yaml"));
    let ok = stem.is_some_and(|stem| {
        !stem.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    });
    if !ok {
        findings.push(
            Finding::new(
                pos,
                format!("release workflow {name:?} is not a workflow file name"),
            )
            .help("name a file of `.github/workflows`, such as `flotilla-release.yml`"),
        );
    }
    ok
}

/// GitHub account names: letters, digits and single `-`, not at either end.
fn owner_ok(owner: &str) -> bool {
    !owner.is_empty()
        && owner.len() <= 39
        && !owner.starts_with('-')
        && !owner.ends_with('-')
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A repository's GitHub name, `owner/name`.
fn repository_ok(full: &str) -> bool {
    full.split_once('/').is_some_and(|(owner, name)| {
        owner_ok(owner)
            && !name.is_empty()
            && name.len() <= 100
            && name != "."
            && name != ".."
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    })
}

/// What a repository's GitHub keys say, after its category's.
pub(super) struct RepoGithubKeys<'k> {
    pub name: &'k str,
    pub kind: ExecutorKind,
    /// Where the effective `executor` was written: the repository's key or its category's.
    pub kind_pos: TextPos,
    pub workflow: Option<&'k str>,
    pub github_repository: Option<&'k str>,
    pub github_repository_pos: TextPos,
}

/// The repository's [`Executor`]; a GitHub Actions one needs the `github` section.
pub(super) fn executor(
    keys: &RepoGithubKeys<'_>,
    github: Option<&GithubSettings>,
    github_missing: bool,
    findings: &mut Vec<Finding>,
) -> Executor {
    if let Some(full) = keys.github_repository
        && !repository_ok(full)
    {
        findings.push(
            Finding::new(
                keys.github_repository_pos,
                format!("`github_repository` {full:?} is not `owner/name`"),
            )
            .help("write the repository as GitHub names it, such as `cloudforet-io/identity`"),
        );
    }
    if keys.kind == ExecutorKind::Local {
        return Executor::Local;
    }
    let Some(github) = github else {
        if github_missing {
            findings.push(
                Finding::new(
                    keys.kind_pos,
                    "`executor: github-actions` needs the manifest's `github` section",
                )
                .help(
                    "add `github: {owner: ORG}` (and `auth:` unless the token is in GITHUB_TOKEN)",
                ),
            );
        }
        return Executor::Local;
    };
    Executor::GithubActions {
        repository: keys
            .github_repository
            .map_or_else(|| format!("{}/{}", github.owner, keys.name), str::to_owned),
        workflow: keys.workflow.unwrap_or(&github.release_workflow).to_owned(),
    }
}
