//! A release that needs no work tree is written with git's plumbing in the mirror: the same
//! commits and tag, byte for byte, as the work-tree steps make; runs with commands still get a
//! work tree.

use std::path::{Path, PathBuf};

use crate::support::{self, Sandbox};
use flotilla_store::{NewTrain, SqliteStore, TrainKind, TrainStore as _};

const PACKAGE_JSON: &str =
    "{\n  \"name\": \"@fleet/web\",\n  \"version\": \"0.9.0\",\n  \"private\": true\n}\n";

/// Appends the version to the changelog: a pre-tag command, so its run needs a work tree.
const CHANGELOG_SCRIPT: &str =
    "#!/bin/sh\nset -e\nprintf '## %s\\n' \"$FLOTILLA_VERSION\" >> CHANGELOG.md\n";

/// `a` has version files at the root and deep down, `.github` in nested directories and a
/// directory left empty by the strip; `b` is the plain case; `c` runs a pre-tag command.
fn fleet() -> Sandbox {
    support::fleet()
        .category("svc")
        .repo("a", "svc")
        .file("src/VERSION", "0.9.0\n")
        .file("web/app/package.json", PACKAGE_JSON)
        .file(".github/ISSUE_TEMPLATE/bug.md", "a bug\n")
        .file("docs/guide/intro.md", "# intro\n")
        .repo_yaml(
            "version_files:\n  - {path: src/VERSION, format: pep440}\n  \
             - {path: web/app/package.json, format: package.json}",
        )
        .repo("b", "svc")
        .repo("c", "svc")
        .file("CHANGELOG.md", "# Changelog\n")
        .file("scripts/changelog.sh", CHANGELOG_SCRIPT)
        .command("changelog", &["sh", "scripts/changelog.sh"], &["pre-tag"])
        .build()
}

/// `release start 1.0.0` recorded with a fixed commit date and run by `resume`, so that two
/// fleets built alike release identical objects.
fn release(fleet: &Sandbox) {
    let plan = fleet
        .flotilla(&["plan", "release", "start", "1.0.0", "--json"])
        .success()
        .json();
    let state = fleet.root().join(SqliteStore::STATE_DIR);
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = SqliteStore::open(&state).await.unwrap();
        store
            .create_train(&NewTrain {
                kind: TrainKind::ReleaseStart,
                version: "1.0.0".to_owned(),
                request: serde_json::json!({
                    "request": plan["request"],
                    "plan": plan,
                    "commit_date": "1764806400 +0000",
                }),
            })
            .await
            .unwrap();
        store.close().await;
    });
    let resumed = fleet.flotilla(&["release", "resume", "--json"]).success();
    assert_eq!(resumed.json()["status"], "succeeded");
}

/// Every ref the release made, each as its id and `cat-file -p`, and the branch's history.
fn released(fleet: &Sandbox, repo: &str) -> Vec<String> {
    let mut out = Vec::new();
    for rev in [
        "refs/heads/release-1.0.0",
        "refs/tags/v1.0.0rc1",
        "refs/heads/master",
    ] {
        let oid = fleet.rev(repo, rev);
        out.push(format!("{rev} {oid}"));
        out.push(fleet.remote_git(repo, &["cat-file", "-p", &oid]));
    }
    for rev in ["release-1.0.0", "master"] {
        out.push(fleet.remote_git(repo, &["log", "--format=raw", rev]));
    }
    out
}

#[test]
fn a_plumbing_release_is_byte_for_byte_the_work_tree_release_and_commands_still_get_a_work_tree() {
    let plumbing = fleet();
    let mut work_tree = fleet();
    work_tree.set_env("FLOTILLA_WORK_TREE", "always");
    release(&plumbing);
    release(&work_tree);

    for repo in ["a", "b", "c"] {
        assert_eq!(
            released(&plumbing, repo),
            released(&work_tree, repo),
            "{repo}: the two paths made different objects"
        );
    }
    // The objects are right, not just equal.
    assert_eq!(
        plumbing.show("a", "v1.0.0rc1", "src/VERSION").as_deref(),
        Some("1.0.0rc1\n")
    );
    assert!(
        plumbing
            .show("a", "v1.0.0rc1", "web/app/package.json")
            .unwrap()
            .contains("\"version\": \"1.0.0-rc.1\""),
    );
    assert_eq!(
        plumbing.show("a", "v1.0.0rc1", ".github/ISSUE_TEMPLATE/bug.md"),
        None
    );
    assert_eq!(
        plumbing.show("a", "master", "src/VERSION").as_deref(),
        Some("1.0.0rc1\n")
    );
    assert_eq!(
        plumbing.show("c", "v1.0.0rc1", "CHANGELOG.md").as_deref(),
        Some("# Changelog\n## 1.0.0rc1\n"),
        "the pre-tag command ran and its change is in the release commit"
    );

    // Which path each run took, from its step logs: `c` (a command) and every run of the
    // forced fleet used a work tree.
    let in_mirror = |fleet: &Sandbox| {
        let mut files = Vec::new();
        collect_logs(fleet.root(), &mut files);
        files
            .iter()
            .filter(|f| f.to_string_lossy().contains("create-branch"))
            .filter(|f| {
                std::fs::read_to_string(f)
                    .unwrap_or_default()
                    .contains("(in the mirror)")
            })
            .count()
    };
    assert_eq!(
        in_mirror(&plumbing),
        2,
        "a and b in the mirror, c in a work tree"
    );
    assert_eq!(in_mirror(&work_tree), 0);
}

fn collect_logs(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_logs(&path, out);
        } else if path.extension().is_some_and(|e| e == "log") {
            out.push(path);
        }
    }
}

/// A `git` first on `PATH` that, on the atomic push that takes the default branch along,
/// lands a commit on the remote's `master` before the push starts: someone pushed to master
/// between flotilla's fetch and its push.
fn git_that_moves_master_before_the_combined_push(fleet: &mut Sandbox, repo: &str) -> PathBuf {
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let bin = fleet.outside("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let marker = fleet.outside("move-master-once");
    std::fs::write(&marker, "").unwrap();
    let script = format!(
        r#"#!/bin/sh
real='{real}'
remote='{remote}'
marker='{marker}'
combined=no
for arg in "$@"; do
    case "$arg" in *:refs/heads/master) combined=yes ;; esac
done
if [ "$combined" = yes ] && [ -e "$marker" ]; then
    rm -f "$marker"
    index=$(mktemp)
    GIT_INDEX_FILE=$index "$real" -C "$remote" read-tree master
    blob=$(echo 'pushed meanwhile' | "$real" -C "$remote" hash-object -w --stdin)
    GIT_INDEX_FILE=$index "$real" -C "$remote" update-index --add --cacheinfo "100644,$blob,MEANWHILE.md"
    tree=$(GIT_INDEX_FILE=$index "$real" -C "$remote" write-tree)
    rm -f "$index"
    commit=$(GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME=dev \
        GIT_COMMITTER_EMAIL=dev@example.com "$real" -C "$remote" commit-tree "$tree" -p master -m 'pushed meanwhile')
    "$real" -C "$remote" update-ref refs/heads/master "$commit"
fi
exec "$real" "$@"
"#,
        real = real.trim(),
        remote = fleet.remote(repo).display(),
        marker = marker.display(),
    );
    let wrapper = bin.join("git");
    std::fs::write(&wrapper, script).unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin];
    dirs.extend(std::env::split_paths(&path));
    fleet.set_env("PATH", std::env::join_paths(dirs).unwrap());
    marker
}

#[test]
fn when_master_moves_between_the_fetch_and_the_combined_push_the_release_lands_and_master_keeps_both()
 {
    let mut fleet = support::fleet().category("svc").repo("a", "svc").build();
    let marker = git_that_moves_master_before_the_combined_push(&mut fleet, "a");
    let before = fleet.rev("a", "master");

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    assert_eq!(out.json()["status"], "succeeded");
    assert!(!marker.exists(), "the combined push was never tried");

    // The release went out whole; master took the version on top of the commit pushed
    // meanwhile, which it keeps.
    assert_eq!(fleet.tags("a"), ["v1.0.0rc1"]);
    assert_eq!(fleet.rev("a", "release-1.0.0"), fleet.rev("a", "v1.0.0rc1"));
    let meanwhile = fleet.rev("a", "master^");
    assert_ne!(meanwhile, before);
    assert_eq!(fleet.subjects("a", "master^")[0], "pushed meanwhile");
    assert_eq!(
        fleet.show("a", "master", "MEANWHILE.md").as_deref(),
        Some("pushed meanwhile\n")
    );
    assert_eq!(
        fleet.show("a", "master", "VERSION"),
        fleet.show("a", "v1.0.0rc1", "VERSION"),
    );
    assert_eq!(
        fleet
            .remote_git(
                "a",
                &["rev-list", "--count", &format!("{meanwhile}..master")]
            )
            .trim(),
        "1",
        "one reflect commit, not two"
    );
    let mut logs = Vec::new();
    collect_logs(fleet.root(), &mut logs);
    assert!(
        logs.iter().any(|f| std::fs::read_to_string(f)
            .unwrap_or_default()
            .contains("the default branch moved")),
        "the push was retried without the default branch"
    );
}
