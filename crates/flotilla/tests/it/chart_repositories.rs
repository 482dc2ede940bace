//! Helm chart repositories that are a directory or a git branch: a train lists all its charts in
//! `index.yaml` once, at its end (one write, or one commit), checked with git, PyYAML, tar and
//! sha256sum.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use flotilla_testkit::Git;

use crate::support::{self, Sandbox, chart_yaml, run_states, states};

const CHARTS: [&str; 3] = ["api", "web", "worker"];

/// Three repositories publishing only a chart to `registry` (a `registries:` entry named
/// `charts`). `worker` depends on the others and, before its own chart, writes what the chart
/// repository directory `watched` holds to `seen`, so a test can tell what the train wrote
/// while it was still running.
fn fleet(registry: &str, watched: &Path, seen: &Path) -> Sandbox {
    let listing = format!(
        "ls -a '{}' > '{}' 2>&1 || true",
        watched.display(),
        seen.display()
    );
    let mut fleet = support::fleet()
        .section(
            "categories:\n  charts:\n    publishes: {image: false, python: false, npm: false, \
             chart: true}",
        )
        .section(&format!("registries:\n  charts:\n{registry}"));
    for name in CHARTS {
        fleet = fleet
            .repo(name, "charts")
            .file(
                "deploy/helm/Chart.yaml",
                &format!(
                    "apiVersion: v2\nname: {name}\ntype: application\nversion: 0.0.0\n\
                     appVersion: \"0.0.0\"\n"
                ),
            )
            .file(
                "deploy/helm/templates/configmap.yaml",
                &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"),
            );
        if name == "worker" {
            fleet = fleet.depends_on(&["api", "web"]).command(
                "look",
                &["sh", "-c", &listing],
                &["tag"],
            );
        }
    }
    fleet.build()
}

/// `index.yaml` parsed by PyYAML, as JSON.
fn parse_index(path: &Path) -> serde_json::Value {
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1])), \
             default=str))",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "PyYAML cannot read {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn sha256(path: &Path) -> String {
    let output = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Every chart is listed once with the release's version, its package's digest and URL, and
/// each package holds the right `Chart.yaml`.
#[track_caller]
fn assert_lists_every_chart(repo: &Path) {
    let index = parse_index(&repo.join("index.yaml"));
    assert_eq!(index["apiVersion"], "v1");
    let listed: Vec<&String> = index["entries"].as_object().unwrap().keys().collect();
    assert_eq!(listed, CHARTS, "{index}");
    for name in CHARTS {
        let versions = index["entries"][name].as_array().unwrap();
        assert_eq!(versions.len(), 1, "{index}");
        let entry = &versions[0];
        let file = format!("{name}-1.0.0-rc.1.tgz");
        assert_eq!(entry["version"], "1.0.0-rc.1");
        assert_eq!(entry["appVersion"], "1.0.0rc1");
        assert_eq!(entry["urls"], serde_json::json!([file]));
        assert_eq!(entry["digest"].as_str().unwrap(), sha256(&repo.join(&file)));
        assert_eq!(entry["created"], index["generated"]);
        let chart = chart_yaml(&repo.join(&file), name);
        assert!(chart.contains("version: \"1.0.0-rc.1\""), "{chart}");
        assert!(chart.contains("appVersion: \"1.0.0rc1\""), "{chart}");
    }
}

#[test]
fn a_directory_chart_repository_gets_its_index_once_at_the_end_of_the_train() {
    let outside = tempfile::tempdir().unwrap();
    let repo = outside.path().join("chart-repo");
    let seen = outside.path().join("seen.txt");
    let fleet = fleet(
        &format!("    kind: chart\n    url: {}\n", repo.display()),
        &repo,
        &seen,
    );

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    assert_eq!(
        run_states(&out.json()),
        states(&[
            ("api", "succeeded"),
            ("web", "succeeded"),
            ("worker", "succeeded")
        ])
    );

    // Mid-train the packages of the first wave were there, the index was not.
    let seen = std::fs::read_to_string(&seen).unwrap();
    assert!(
        seen.contains("api-1.0.0-rc.1.tgz") && seen.contains("web-1.0.0-rc.1.tgz"),
        "{seen}"
    );
    assert!(!seen.contains("index.yaml"), "{seen}");

    assert_lists_every_chart(&repo);
    let expected: BTreeSet<String> = [
        ".flotilla.lock",
        "api-1.0.0-rc.1.tgz",
        "index.yaml",
        "web-1.0.0-rc.1.tgz",
        "worker-1.0.0-rc.1.tgz",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(
        names(&repo),
        expected,
        "no temporary or partial file is left"
    );

    let index = std::fs::read(repo.join("index.yaml")).unwrap();
    fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    assert_eq!(
        std::fs::read(repo.join("index.yaml")).unwrap(),
        index,
        "running the train again leaves the index byte for byte"
    );
    assert_eq!(names(&repo), expected);
}

/// git for the chart repositories outside the fleet, isolated like the sandbox's.
const GIT: Git = Git::new();

/// A bare repository with a `main` branch, as a project keeping its charts on `gh-pages` has.
/// Commits what is staged in `dir` as a test identity.
fn commit(dir: &Path, message: &str) {
    GIT.run(dir, &["commit", "--quiet", "-m", message]);
}

fn charts_remote(dir: &Path) -> PathBuf {
    let remote = dir.join("charts.git");
    let seed = dir.join("seed");
    GIT.run(
        dir,
        &["init", "--quiet", "--bare", remote.to_str().unwrap()],
    );
    GIT.run(
        dir,
        &["init", "--quiet", "-b", "main", seed.to_str().unwrap()],
    );
    std::fs::write(seed.join("README.md"), "# charts\n").unwrap();
    GIT.run(&seed, &["add", "README.md"]);
    commit(&seed, "seed");
    GIT.run(
        &seed,
        &["push", "--quiet", remote.to_str().unwrap(), "main:main"],
    );
    remote
}

#[test]
fn a_git_branch_chart_repository_gets_one_commit_per_train() {
    let outside = tempfile::tempdir().unwrap();
    let remote = charts_remote(outside.path());
    let seen = outside.path().join("seen.txt");
    let fleet = fleet(
        &format!(
            "    kind: chart\n    url: git+file://{}#gh-pages\n",
            remote.display()
        ),
        &outside.path().join("never"),
        &seen,
    );

    fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();

    let log = GIT.run(&remote, &["log", "--format=%H %s", "gh-pages"]);
    assert_eq!(
        log.lines().count(),
        1,
        "one commit, no history of main:\n{log}"
    );
    let files = GIT.run(&remote, &["ls-tree", "--name-only", "gh-pages"]);
    assert_eq!(
        files.lines().collect::<Vec<_>>(),
        [
            "api-1.0.0-rc.1.tgz",
            "index.yaml",
            "web-1.0.0-rc.1.tgz",
            "worker-1.0.0-rc.1.tgz"
        ]
    );
    let changed = GIT.run(&remote, &["show", "--name-only", "--format=", "gh-pages"]);
    assert_eq!(changed.lines().count(), 4, "{changed}");
    let checkout = outside.path().join("pages");
    GIT.run(
        outside.path(),
        &[
            "clone",
            "--quiet",
            "--branch",
            "gh-pages",
            remote.to_str().unwrap(),
            checkout.to_str().unwrap(),
        ],
    );
    assert_lists_every_chart(&checkout);
    assert_eq!(GIT.run(&remote, &["rev-parse", "main"]).lines().count(), 1);

    // Again: nothing new, so no commit.
    let tip = GIT.run(&remote, &["rev-parse", "gh-pages"]);
    fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    assert_eq!(GIT.run(&remote, &["rev-parse", "gh-pages"]), tip);

    // The next train adds one commit on top, with its charts and the index listing both.
    fleet
        .flotilla(&["release", "tag", "1.0.0rc2", "--json"])
        .success();
    let log = GIT.run(&remote, &["log", "--format=%s", "gh-pages"]);
    assert_eq!(log.lines().count(), 2, "{log}");
    GIT.run(&checkout, &["pull", "--quiet"]);
    let index = parse_index(&checkout.join("index.yaml"));
    for name in CHARTS {
        let versions: Vec<&str> = index["entries"][name]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["version"].as_str().unwrap())
            .collect();
        assert_eq!(versions, ["1.0.0-rc.2", "1.0.0-rc.1"], "{index}");
    }
}

/// Someone published `api` 1.0.0-rc.1 with other content: the train fails with the conflict,
/// says how to get out of it, and the branch gets no commit.
#[test]
fn a_chart_version_published_with_other_content_fails_the_train_and_says_what_to_do() {
    let outside = tempfile::tempdir().unwrap();
    let remote = charts_remote(outside.path());
    let pages = outside.path().join("pages-seed");
    GIT.run(
        outside.path(),
        &["init", "--quiet", "-b", "gh-pages", pages.to_str().unwrap()],
    );
    std::fs::write(
        pages.join("index.yaml"),
        format!(
            "apiVersion: v1\nentries:\n  api:\n  - name: api\n    version: 1.0.0-rc.1\n    \
             digest: {}\n    urls: [api-1.0.0-rc.1.tgz]\n",
            "ab".repeat(32)
        ),
    )
    .unwrap();
    GIT.run(&pages, &["add", "index.yaml"]);
    commit(&pages, "someone else's api chart");
    GIT.run(
        &pages,
        &[
            "push",
            "--quiet",
            remote.to_str().unwrap(),
            "gh-pages:gh-pages",
        ],
    );
    let tip = GIT.run(&remote, &["rev-parse", "gh-pages"]);
    let seen = outside.path().join("seen.txt");
    let fleet = fleet(
        &format!(
            "    kind: chart\n    url: git+file://{}#gh-pages\n",
            remote.display()
        ),
        &outside.path().join("never"),
        &seen,
    );

    let outcome = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure();
    let said = format!("{}{}", outcome.stdout, outcome.stderr);
    assert!(said.contains("api-1.0.0-rc.1.tgz"), "{outcome}");
    assert!(
        said.contains("publish the chart under a new version"),
        "{outcome}"
    );
    assert!(said.contains(".flotilla/charts/"), "{outcome}");
    assert_eq!(GIT.run(&remote, &["rev-parse", "gh-pages"]), tip);
}

/// A released tag is done when the branch's index lists its chart: started again, a train
/// publishes the charts the branch lost, and nothing when it lists them.
#[test]
fn a_git_branch_chart_repository_is_looked_up_when_a_train_starts_again() {
    let outside = tempfile::tempdir().unwrap();
    let remote = charts_remote(outside.path());
    let fleet = fleet(
        &format!(
            "    kind: chart\n    url: git+file://{}#gh-pages\n",
            remote.display()
        ),
        &outside.path().join("never"),
        &outside.path().join("seen.txt"),
    );
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    let planned = |fleet: &Sandbox| -> Vec<String> {
        let plan = fleet
            .flotilla(&["plan", "release", "start", "1.0.0", "--json"])
            .success()
            .json();
        plan["runs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["steps"].as_array().unwrap().clone())
            .filter(|s| s["kind"] == "publish-chart")
            .map(|s| s["version"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(planned(&fleet).is_empty(), "the index lists every chart");

    // The branch loses its charts (someone reset it).
    GIT.run(
        &remote,
        &["update-ref", "refs/heads/gh-pages", "refs/heads/main"],
    );
    assert_eq!(planned(&fleet).len(), CHARTS.len(), "each chart is missing");

    fleet.flotilla(&["release", "start", "1.0.0"]).success();

    let checkout = outside.path().join("pages");
    GIT.run(
        outside.path(),
        &[
            "clone",
            "--quiet",
            "--branch",
            "gh-pages",
            remote.to_str().unwrap(),
            checkout.to_str().unwrap(),
        ],
    );
    assert_lists_every_chart(&checkout);
    assert!(planned(&fleet).is_empty());
}
