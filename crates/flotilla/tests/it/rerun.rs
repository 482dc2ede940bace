//! Starting a train again (`release start`, not `resume`) after a publish failed: a run is done
//! when its artifacts are in their registries, not because its tag exists. Every artifact kind
//! is looked up in its registry: the embedded local formats here, the real servers below.

use std::fs;

use serde_json::Value;

use crate::support::{Sandbox, fleet, pip_install, run_states, states};
use flotilla_testkit::Registries;
use flotilla_testkit::services::{own_npm, own_oci_registry, own_pypi, unique};

/// A core library `lib` (a Python package) and a service `svc` that depends on it.
fn library_and_dependent() -> Sandbox {
    fleet()
        .category("svc")
        .setting("gate_timeout_secs: 5")
        .repo("lib", "backend-core")
        .repo("svc", "svc")
        .depends_on(&["lib"])
        .build()
}

/// Breaks the embedded PyPI directory: a file where the index directory should be.
fn break_pypi(fleet: &Sandbox) {
    let artifacts = fleet.artifacts();
    fs::create_dir_all(&artifacts).unwrap();
    fs::write(artifacts.join("pypi"), "not a directory\n").unwrap();
}

fn fix_pypi(fleet: &Sandbox) {
    fs::remove_file(fleet.artifacts().join("pypi")).unwrap();
}

/// The names of a run's steps in a `--json` plan.
fn planned_steps(plan: &Value, repo: &str) -> Vec<String> {
    plan["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == repo)
        .unwrap_or_else(|| panic!("{repo} is not planned: {plan}"))["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn first_train_fails_at_the_library_publish(fleet: &Sandbox) {
    break_pypi(fleet);
    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure();
    assert_eq!(
        run_states(&out.json()),
        states(&[("lib", "failed"), ("svc", "blocked")]),
        "{out}"
    );
    assert_eq!(
        fleet.tags("lib"),
        ["v1.0.0rc1"],
        "the tag went out before the publish"
    );
}

#[test]
fn release_start_again_with_the_fault_fixed_publishes_the_library_then_its_dependents() {
    let fleet = library_and_dependent();
    first_train_fails_at_the_library_publish(&fleet);
    fix_pypi(&fleet);

    let plan = fleet
        .flotilla(&["plan", "release", "start", "1.0.0", "--json"])
        .success()
        .json();
    assert_eq!(
        planned_steps(&plan, "lib"),
        ["publish-python", "notify"],
        "the tag exists, the package does not: publish it, nothing else"
    );
    let waits: Vec<&str> = plan["waves"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["gate"].as_array().unwrap())
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        waits,
        ["lib"],
        "the dependent waits for the package: {plan}"
    );

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();

    assert_eq!(
        run_states(&out.json()),
        states(&[("lib", "succeeded"), ("svc", "succeeded")])
    );
    let simple = fleet.artifacts().join("pypi").join("simple");
    let installed = pip_install(&simple, "lib", "1.0.0rc1");
    assert!(installed.contains("1.0.0rc1"), "{installed}");
    assert_eq!(fleet.tags("lib"), ["v1.0.0rc1"], "not tagged twice");
    assert_eq!(fleet.tags("svc"), ["v1.0.0rc1"]);

    // Once the package is there, the tag is done: nothing is published again.
    let again = fleet
        .flotilla(&["plan", "release", "start", "1.0.0", "--json"])
        .success()
        .json();
    assert_eq!(planned_steps(&again, "lib"), ["notify"]);
}

#[test]
fn release_start_again_with_the_fault_still_there_does_not_release_the_dependents() {
    let fleet = library_and_dependent();
    first_train_fails_at_the_library_publish(&fleet);

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure();

    assert_eq!(
        run_states(&out.json()),
        states(&[("lib", "failed"), ("svc", "blocked")]),
        "{out}"
    );
    assert!(fleet.tags("svc").is_empty(), "svc is not released");
}

/// Every local target says no once its artifacts are gone: the OCI layout's index, the chart
/// directory's index, the simple index and the npm directory.
#[test]
fn release_start_again_publishes_every_kind_its_local_targets_lost() {
    let fleet = fleet()
        .repo("core", "backend-core")
        .repo("kit", "frontend-core")
        .repo("identity", "backend")
        .depends_on(&["core"])
        .build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    let plan = fleet
        .flotilla(&["plan", "release", "start", "1.0.0", "--json"])
        .success()
        .json();
    for repo in ["core", "kit", "identity"] {
        assert_eq!(planned_steps(&plan, repo), ["notify"], "{repo} is done");
    }

    fs::remove_dir_all(fleet.artifacts()).unwrap();
    let plan = fleet
        .flotilla(&["plan", "release", "start", "1.0.0", "--json"])
        .success()
        .json();
    assert_eq!(planned_steps(&plan, "core"), ["publish-python", "notify"]);
    assert_eq!(planned_steps(&plan, "kit"), ["publish-npm", "notify"]);
    assert_eq!(
        planned_steps(&plan, "identity"),
        ["publish-python", "publish-image", "publish-chart", "notify"]
    );
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    let plan = fleet
        .flotilla(&["plan", "release", "start", "1.0.0", "--json"])
        .success()
        .json();
    for repo in ["core", "kit", "identity"] {
        assert_eq!(
            planned_steps(&plan, repo),
            ["notify"],
            "{repo} is done again"
        );
    }
}

/// The same with the real servers: docker-registry (image manifest by tag, chart by version),
/// pypiserver (simple index) and verdaccio (packument) each say yes when they hold the
/// artifact and no when the manifest points at an empty server of the same kind.
#[test]
fn release_start_again_looks_every_kind_up_in_the_real_registries() {
    let Some(registries) = Registries::get() else {
        return;
    };
    let (Some(oci), Some(pypi), Some(npm)) = (own_oci_registry(None), own_pypi(), own_npm()) else {
        return;
    };
    let suffix = unique("r");
    let namespace = format!("fleet-{suffix}");
    let (core, kit, identity) = (
        format!("core-{suffix}"),
        format!("kit-{suffix}"),
        format!("identity-{suffix}"),
    );
    let fleet = fleet()
        .setting(&format!("image_namespace: {namespace}"))
        .section(&registries.section(&namespace))
        .repo(&core, "backend-core")
        .repo(&kit, "frontend-core")
        .repo(&identity, "backend")
        .depends_on(&[&core])
        .build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    let plan = fleet
        .flotilla(&["plan", "release", "start", "1.0.0", "--json"])
        .success()
        .json();
    for repo in [&core, &kit, &identity] {
        assert_eq!(
            planned_steps(&plan, repo),
            ["notify"],
            "{repo} is in the registries"
        );
    }

    // The same names on empty servers: nothing of this release is there.
    let manifest = fs::read_to_string(fleet.manifest()).unwrap();
    let empty = manifest
        .replace(&registries.oci, oci.url("").trim_end_matches('/'))
        .replace(&registries.pypi, pypi.url("").trim_end_matches('/'))
        .replace(&registries.npm, npm.url("").trim_end_matches('/'));
    assert_ne!(manifest, empty);
    fs::write(fleet.manifest(), empty).unwrap();
    let plan = fleet
        .flotilla(&["plan", "release", "start", "1.0.0", "--json"])
        .success()
        .json();
    assert_eq!(planned_steps(&plan, &core), ["publish-python", "notify"]);
    assert_eq!(planned_steps(&plan, &kit), ["publish-npm", "notify"]);
    assert_eq!(
        planned_steps(&plan, &identity),
        ["publish-python", "publish-image", "publish-chart", "notify"]
    );

    fleet.flotilla(&["release", "start", "1.0.0"]).success();

    let plan = fleet
        .flotilla(&["plan", "release", "start", "1.0.0", "--json"])
        .success()
        .json();
    for repo in [&core, &kit, &identity] {
        assert_eq!(
            planned_steps(&plan, repo),
            ["notify"],
            "{repo} is in the new registries"
        );
    }
}
