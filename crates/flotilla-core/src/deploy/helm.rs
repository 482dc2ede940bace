//! The Helm deployer's command line and the meaning of its exit, for Helm 3 and 4.
//!
//! `helm upgrade --install` exits 0 on success and 1 on every error, so the kind of failure is
//! read from the `Error:` text it prints on stderr. With `--atomic` (Helm 4 keeps it as a
//! deprecated alias of `--rollback-on-failure` and warns on stderr), a failed upgrade is rolled
//! back and a failed first install uninstalled, and the error says so; when that rollback fails
//! too, the release is left failed and the error starts with "an error occurred while rolling
//! back". A `--wait` that runs out of time ends in "context deadline exceeded" (Helm 3 also
//! says "timed out waiting for the condition"); with `--atomic` that is followed by the
//! rollback, so it reads as rolled back. When the API server cannot be reached, helm stops
//! before changing anything with "Kubernetes cluster unreachable".

use serde::Serialize;

/// The value key the chart reads the image tag from.
const IMAGE_VERSION_KEY: &str = "image.version";
/// Room for helm's message in an outcome, so that a flood of output stays readable.
const DETAIL_LIMIT: usize = 2000;

/// A value that must not reach helm's command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refusing to run helm: the {what} {value:?} {problem}")]
pub struct HelmArgError {
    pub what: &'static str,
    pub value: String,
    pub problem: &'static str,
}

/// The argv of `helm upgrade --install RELEASE CHART --namespace NS [--kube-context CTX] --set
/// image.version=TAG --wait --atomic`, each value its own entry. Values helm would misread are
/// refused: a release or namespace that is not a Kubernetes name, a tag that is not an image
/// tag (so no `,` or `=`, which `--set` splits on), anything starting with `-`.
pub fn helm_upgrade_argv(
    release: &str,
    chart: &str,
    namespace: &str,
    kube_context: Option<&str>,
    tag: &str,
) -> Result<Vec<String>, HelmArgError> {
    let fail = |what, value: &str, problem| HelmArgError {
        what,
        value: value.to_owned(),
        problem,
    };
    if let Some(problem) = kubernetes_name_problem(release, NameKind::Release) {
        return Err(fail("release name", release, problem));
    }
    if let Some(problem) = set_value_problem(tag).or_else(|| image_tag_problem(tag)) {
        return Err(fail("image tag", tag, problem));
    }
    if let Some(problem) = kubernetes_name_problem(namespace, NameKind::Namespace) {
        return Err(fail("namespace", namespace, problem));
    }
    if let Some(problem) = argument_problem(chart) {
        return Err(fail("chart", chart, problem));
    }
    let mut argv: Vec<String> = ["helm", "upgrade", "--install", release, chart]
        .map(str::to_owned)
        .into();
    argv.extend(["--namespace".to_owned(), namespace.to_owned()]);
    if let Some(context) = kube_context {
        if let Some(problem) = argument_problem(context) {
            return Err(fail("kube context", context, problem));
        }
        argv.extend(["--kube-context".to_owned(), context.to_owned()]);
    }
    argv.extend([
        "--set".to_owned(),
        format!("{IMAGE_VERSION_KEY}={tag}"),
        "--wait".to_owned(),
        "--atomic".to_owned(),
    ]);
    Ok(argv)
}

const STARTS_WITH_DASH: &str = "starts with `-`, which helm would read as an option";

/// What `--set key=value` would misread: it splits assignments at `,` and keys from values at
/// `=`.
fn set_value_problem(value: &str) -> Option<&'static str> {
    if value.starts_with('-') {
        Some(STARTS_WITH_DASH)
    } else if value.contains([',', '=']) {
        Some("contains `,` or `=`, which helm's --set reads as the start of another assignment")
    } else {
        None
    }
}

fn argument_problem(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        Some("is empty")
    } else if value.starts_with('-') {
        Some(STARTS_WITH_DASH)
    } else if value.chars().any(char::is_control) {
        Some("contains a control character")
    } else {
        None
    }
}

#[derive(Clone, Copy)]
enum NameKind {
    /// A DNS-1123 subdomain of at most 53 characters (helm keeps room for its suffixes).
    Release,
    /// A DNS-1123 label.
    Namespace,
}

fn kubernetes_name_problem(name: &str, kind: NameKind) -> Option<&'static str> {
    let label_ok = |label: &str| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let (max, parts_ok, rule) = match kind {
        NameKind::Release => (
            53,
            name.split('.').all(label_ok),
            "is not a release name (lowercase letters, digits, `-` and `.`, each part starting \
             and ending with a letter or digit, at most 53 characters)",
        ),
        NameKind::Namespace => (
            63,
            label_ok(name),
            "is not a namespace name (lowercase letters, digits and `-`, starting and ending \
             with a letter or digit, at most 63 characters)",
        ),
    };
    if name.is_empty() {
        Some("is empty")
    } else if name.starts_with('-') {
        Some(STARTS_WITH_DASH)
    } else if name.len() > max || !parts_ok {
        Some(rule)
    } else {
        None
    }
}

/// The OCI distribution grammar of a tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn image_tag_problem(tag: &str) -> Option<&'static str> {
    let first_ok = tag
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    let rest_ok = tag
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    (!(first_ok && rest_ok && tag.len() <= 128)).then_some(
        "is not an image tag (letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, \
         at most 128 characters)",
    )
}

/// How a `helm upgrade --install --wait --atomic` ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum HelmOutcome {
    Success,
    /// The deployment failed and `--atomic` undid it: the previous release runs again, or, for a
    /// failed first install (`uninstalled`), nothing does.
    RolledBack {
        uninstalled: bool,
        cause: String,
    },
    /// Waiting for the release ran out of time and no rollback was reported.
    TimedOut {
        detail: String,
    },
    /// Helm could not reach the Kubernetes API server; nothing was changed.
    ClusterUnreachable {
        detail: String,
    },
    /// Any other failure, including a rollback that failed too (the release is left failed)
    /// and helm killed by a signal (the release may be left pending).
    Failed {
        detail: String,
    },
}

/// Reads helm's exit: `code` is `None` when a signal ended it.
pub fn classify_helm_exit(code: Option<i32>, stderr: &str) -> HelmOutcome {
    let detail = error_text(stderr);
    let Some(code) = code else {
        return HelmOutcome::Failed {
            detail: format!(
                "helm was killed by a signal before it finished; the release may be left \
                 pending (see `helm status`). {detail}"
            )
            .trim_end()
            .to_owned(),
        };
    };
    if code == 0 {
        return HelmOutcome::Success;
    }
    if stderr.contains("Kubernetes cluster unreachable") {
        return HelmOutcome::ClusterUnreachable { detail };
    }
    if stderr.contains("an error occurred while rolling back the release")
        || stderr.contains("an error occurred while uninstalling the release")
    {
        return HelmOutcome::Failed { detail };
    }
    for (marker, uninstalled) in [
        ("has been rolled back due to", false),
        ("has been uninstalled due to", true),
    ] {
        if let Some(at) = stderr.find(marker) {
            let after = &stderr[at + marker.len()..];
            let cause = after
                .split_once("being set:")
                .map_or(detail.as_str(), |(_, cause)| cause.trim());
            return HelmOutcome::RolledBack {
                uninstalled,
                cause: bounded(cause),
            };
        }
    }
    if stderr.contains("context deadline exceeded")
        || stderr.contains("timed out waiting for the condition")
    {
        return HelmOutcome::TimedOut { detail };
    }
    HelmOutcome::Failed {
        detail: if detail.is_empty() {
            format!("helm exited with status {code} and printed no error")
        } else {
            detail
        },
    }
}

/// Helm's error, from its first `Error:` line on (causes can span lines), or all of stderr
/// when there is none.
fn error_text(stderr: &str) -> String {
    let start = stderr
        .match_indices("Error:")
        .map(|(at, _)| at)
        .find(|&at| at == 0 || stderr[..at].ends_with('\n'))
        .unwrap_or(0);
    bounded(stderr[start..].trim())
}

fn bounded(text: &str) -> String {
    match text.char_indices().nth(DETAIL_LIMIT) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}
