//! `scripts/real-fleet.sh` on four real-shaped repositories (the testkit's `real_fleet`:
//! `python-core` and `identity` as `setup.py` projects reading `PACKAGE_VERSION` with
//! `install_requires` between them, identity's Dockerfile and `deploy/helm` chart with
//! `image.version: latest`, `spacectl` with a `console_scripts` entry point, an npm package
//! built by `prepack` with a `files` list; v and no-v tags, identity's master on 2.0 by its
//! tags only): import, check, plan, `release start 2.0.0`, two hotfixes of identity's 1.12.0
//! line, then the script's independent checks with pip, npm, skopeo, the registry API and git.
//! The test asserts that every check ran and passed.

use std::path::Path;
use std::process::Command;

use flotilla_testkit::Git;
use flotilla_testkit::real_fleet::real_fleet;
use flotilla_testkit::services::{npm, oci_registry, pypi, unique};

use crate::support::FLOTILLA;

const REPOS: [&str; 4] = [
    "python-core",
    "identity",
    "spacectl",
    "spaceone-design-system",
];

/// The checks the script must print as PASS for this fleet (each line's start).
const CHECKS: [&str; 26] = [
    "PASS git python-core: tag of 2.0.0rc1 in the writing spelling only (2.0.0rc1, not v2.0.0rc1)",
    "PASS git identity: tag of 2.0.0rc1 in the writing spelling only (v2.0.0rc1, not 2.0.0rc1)",
    "PASS git spacectl: tag of 2.0.0rc1 in the writing spelling only",
    "PASS git spaceone-design-system: tag of 2.0.0rc1 in the writing spelling only",
    "PASS git python-core: show 2.0.0rc1:src/VERSION: 2.0.0rc1",
    "PASS plan release start 1.12.0: python-core's tag 1.12.0 (no v) counts as released (exit 2)",
    "PASS git spacectl: show v2.0.0rc1:src/VERSION: 2.0.0rc1",
    "PASS git identity: show v2.0.0rc1:deploy/helm/Chart.yaml version/appVersion: 2.0.0-rc.1 2.0.0rc1",
    "PASS plan identity: hotfix 1.12.0.1 leaves master at its tags' version: master keeps 2.0.0dev249",
    "PASS git identity: hotfix tags on release-1.12.0: v1.12.0.1 v1.12.0.2",
    "PASS git identity: master (2.0 by tags only, no version file) untouched by hotfix 1.12.0.1",
    "PASS git identity: master still without a version file after hotfix 1.12.0.1",
    "PASS git identity: master (VERSION v2.0.0rc1) untouched by hotfix 1.12.0.2",
    "PASS push identity: a master on 2.0 by its tags only (no version file) builds as 2.0.0dev249.STAMP: 2.0.0dev249",
    "PASS git spaceone-design-system: show v2.0.0rc1:package.json version: 2.0.0-rc.1",
    "PASS pip install spacectl",
    "PASS pip: what the entry point's requirements installed",
    "PASS pip: identity wheel METADATA Version: 2.0.0rc1",
    "PASS pip: identity wheel METADATA Requires-Dist: spaceone-core",
    "PASS pip: identity wheel METADATA equals python -m build's from tag v2.0.0rc1: same",
    "PASS pip: identity wheel holds its package_data",
    "PASS npm install @spaceone/design-system",
    "PASS image (",
    "PASS image (registry API), master push: ",
    "PASS chart (registry API): charts",
    "PASS chart (registry API): charts",
];

#[test]
fn a_real_shaped_fleet_is_imported_released_and_checked_by_pip_npm_the_registry_and_git() {
    let (Some(oci), Some(pypi), Some(npm)) = (oci_registry(), pypi(), npm()) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let remotes = work.path().join("remotes");
    std::fs::create_dir_all(&remotes).unwrap();
    let suffix = format!("-{}", unique("rf"));
    let git = Git::new();
    for repo in real_fleet(&REPOS, &suffix) {
        repo.create_bare(
            &git,
            &remotes.join(format!("{}.git", repo.name)),
            work.path(),
        );
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/real-fleet.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg(work.path().join("run"))
        .env("FLOTILLA", FLOTILLA)
        .env("REAL_FLEET_REMOTES", &remotes)
        .env("REAL_FLEET_SUFFIX", &suffix)
        .env("REAL_FLEET_OCI", oci.url())
        .env("REAL_FLEET_PYPI", pypi.url())
        .env("REAL_FLEET_NPM", npm.url())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(output.status.success(), "real-fleet.sh failed\n{shown}");
    let results: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("PASS ") || line.starts_with("FAIL "))
        .collect();
    let failed: Vec<&&str> = results.iter().filter(|l| l.starts_with("FAIL")).collect();
    assert!(failed.is_empty(), "failed checks: {failed:#?}\n{shown}");
    // Each expected check is a distinct PASS line (two chart lines: the rc and the hotfix).
    let mut unused: Vec<&str> = results.clone();
    for check in CHECKS {
        let at = unused.iter().position(|line| line.starts_with(check));
        let Some(at) = at else {
            panic!("no line starting with {check:?} among {unused:#?}\n{shown}");
        };
        unused.remove(at);
    }
    assert!(
        stdout.contains("\nrepositories: 4  seconds: ")
            && stdout.contains(&format!("checks passed: {}  failed: 0", results.len())),
        "summary line\n{shown}"
    );
    // The entry point ran from pip's install and printed the released version.
    assert!(
        stdout.contains("then run its entry point: spacectl 2.0.0rc1 core"),
        "{shown}"
    );
}
