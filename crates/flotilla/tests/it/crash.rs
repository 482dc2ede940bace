//! The binary killed with SIGKILL in the middle of a train: `resume` reaches the same end state
//! as a run that was never interrupted.

use std::collections::BTreeMap;

use crate::support::{self, Sandbox, run_states, skopeo_inspect, states, waits_for_file};
use flotilla_store::{NewTrain, SqliteStore, TrainKind, TrainStore as _};
use flotilla_testkit::wait;

const STARTED_VAR: &str = "FLOTILLA_E2E_STARTED";
const RELEASE_VAR: &str = "FLOTILLA_E2E_RELEASE";

/// api (a package) ← cli (a package and an image, whose build waits for a file) ← web.
fn fleet() -> Sandbox {
    let mut fleet = support::fleet()
        .category("svc")
        .repo("api", "backend-core")
        .repo("cli", "tool")
        .depends_on(&["api"])
        .file(
            "scripts/build.sh",
            &waits_for_file(STARTED_VAR, RELEASE_VAR),
        )
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .repo("web", "svc")
        .depends_on(&["cli"])
        .build();
    let started = fleet.outside("started");
    let release = fleet.outside("release");
    fleet.set_env(STARTED_VAR, started);
    fleet.set_env(RELEASE_VAR, release);
    fleet
}

/// What two sandboxes built alike must agree on after the same train. Commit ids differ (the
/// train's commit dates differ), so trees, subjects and file contents are compared instead.
#[derive(Debug, PartialEq, Eq)]
struct EndState {
    /// Per repository and ref: the tree and the subjects of its history.
    refs: BTreeMap<String, BTreeMap<String, (String, Vec<String>)>>,
    /// Image blobs are named by digests that include the commit id (a label), so only their
    /// number is compared.
    artifact_paths: Vec<String>,
    image_blobs: usize,
    /// Python files are reproducible: their bytes must match.
    python_files: BTreeMap<String, (u64, u64)>,
    /// Image layers are built from the same trees, so their digests match.
    image_layers: serde_json::Value,
}

fn end_state(fleet: &Sandbox) -> EndState {
    let snapshot = fleet.snapshot();
    let mut refs = BTreeMap::new();
    for (repo, of_repo) in &snapshot.refs {
        let mut shapes = BTreeMap::new();
        for name in of_repo.keys() {
            let tree = fleet
                .remote_git(repo, &["rev-parse", &format!("{name}^{{tree}}")])
                .trim()
                .to_owned();
            shapes.insert(name.clone(), (tree, fleet.subjects(repo, name)));
        }
        refs.insert(repo.clone(), shapes);
    }
    let image = skopeo_inspect(&fleet.artifacts().join("oci/fleet/cli"), "1.0.0rc1")
        .expect("the cli image");
    EndState {
        refs,
        artifact_paths: snapshot
            .artifact_paths()
            .iter()
            .filter(|p| !p.contains("/blobs/"))
            .map(|p| (*p).to_owned())
            .collect(),
        image_blobs: snapshot
            .artifact_paths()
            .iter()
            .filter(|p| p.contains("/blobs/"))
            .count(),
        python_files: snapshot
            .artifacts
            .iter()
            .filter(|(path, _)| path.starts_with("pypi/files/"))
            .map(|(path, sum)| (path.clone(), *sum))
            .collect(),
        image_layers: image["Layers"].clone(),
    }
}

#[test]
fn sigkill_mid_train_then_resume_reaches_the_uninterrupted_end_state() {
    let uninterrupted = fleet();
    std::fs::write(uninterrupted.outside("release"), "").unwrap();
    uninterrupted
        .flotilla(&["release", "start", "1.0.0"])
        .success();
    let expected = end_state(&uninterrupted);

    let killed = fleet();
    let args = ["release", "start", "1.0.0"];
    let mut child = killed.spawn(&args);
    wait::for_file_from(&killed.outside("started.cli"), &mut child);
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "flotilla was killed by a signal");
    // Lets the orphaned build script end; the resumed run builds again.
    std::fs::write(killed.outside("release"), "").unwrap();
    assert!(
        killed.tags("web").is_empty(),
        "the kill came before the last wave"
    );
    let status = killed
        .flotilla(&["release", "status", "--json"])
        .success()
        .json();
    assert_ne!(status["status"], "succeeded");
    let train = status["train"].as_str().unwrap();
    let again = killed.flotilla(&args).failure();
    assert!(
        again.stderr.contains(train) && again.stderr.contains("resume"),
        "a new train for the version points to the unfinished one:\n{again}"
    );

    let resumed = killed.flotilla(&["release", "resume", "--json"]).success();

    assert_eq!(
        run_states(&resumed.json()),
        states(&[
            ("api", "succeeded"),
            ("cli", "succeeded"),
            ("web", "succeeded")
        ])
    );
    assert_eq!(end_state(&killed), expected);
}

#[test]
fn a_killed_train_does_not_lock_its_repositories() {
    let mut fleet = support::fleet()
        .category("svc")
        .repo("a", "svc")
        .file(
            "scripts/build.sh",
            &waits_for_file(STARTED_VAR, RELEASE_VAR),
        )
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .build();
    let started = fleet.outside("started");
    let release = fleet.outside("release");
    fleet.set_env(STARTED_VAR, started);
    fleet.set_env(RELEASE_VAR, &release);
    let mut child = fleet.spawn(&["release", "start", "1.0.0"]);
    wait::for_file_from(&fleet.outside("started.a"), &mut child);
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::write(&release, "").unwrap();
    let train = support::latest_train(&fleet);

    let push = fleet.flotilla(&["push", "a", "--json"]).success();

    assert_eq!(run_states(&push.json()), states(&[("a", "succeeded")]));
    fleet.flotilla(&["release", "resume", &train]).success();
    assert_eq!(fleet.tags("a"), ["v1.0.0rc1"]);
}

/// What a crash of an older flotilla between recording a train and its runs left: the train,
/// planned, with no run. It must not read as succeeded, and `resume` releases every planned
/// repository instead of declaring the empty train done.
#[test]
fn a_train_recorded_without_its_runs_is_not_succeeded_and_resume_releases_every_repository() {
    let fleet = support::fleet()
        .category("svc")
        .repo("api", "svc")
        .repo("web", "svc")
        .depends_on(&["api"])
        .build();
    let plan = fleet
        .flotilla(&["plan", "release", "start", "1.0.0", "--json"])
        .success()
        .json();
    let state = fleet.root().join(SqliteStore::STATE_DIR);
    let train = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = SqliteStore::open(&state).await.unwrap();
        let train = store
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
        train.id.to_string()
    });

    let before = fleet
        .flotilla(&["release", "status", "--json"])
        .success()
        .json();
    let listed = fleet
        .flotilla(&["release", "list", "--json"])
        .success()
        .json();
    let resumed = fleet.flotilla(&["release", "resume", "--json"]).success();

    assert_eq!(before["train"], train.as_str());
    assert_ne!(before["status"], "succeeded");
    assert_eq!(before["driver"]["live"], false, "{before:#}");
    assert_ne!(listed[0]["status"], "succeeded");
    assert_eq!(listed[0]["driver"]["live"], false, "{listed:#}");
    let resumed = resumed.json();
    assert_eq!(resumed["status"], "succeeded");
    assert_eq!(
        run_states(&resumed),
        states(&[("api", "succeeded"), ("web", "succeeded")])
    );
    assert_eq!(fleet.tags("api"), ["v1.0.0rc1"]);
    assert_eq!(fleet.tags("web"), ["v1.0.0rc1"]);
}
