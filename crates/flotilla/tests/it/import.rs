//! `flotilla import` on bare repositories shaped like the seed platform's real ones (the
//! testkit's `seed_shaped`: setup.py projects, a Dockerfile and chart, npm packages, tags in
//! mixed spellings, release branches of both shapes): the manifest it writes passes `check`,
//! sorts the repositories as the seed's table does, links them by their requirements, says
//! what it could not decide, and plans a release train in dependency waves.

use std::collections::BTreeMap;

use flotilla_testkit::{seed_shaped, version_files_shaped};
use serde_json::Value;

use crate::support::{self, Sandbox};

/// A sandbox holding the eight seed-shaped repositories under `remotes/`, and their paths as
/// `flotilla import` is given them (relative to the sandbox, where the binary runs).
fn seed_shaped_remotes() -> (Sandbox, Vec<String>) {
    let sandbox = support::sandbox();
    let mut remotes = Vec::new();
    for repo in seed_shaped() {
        repo.create_bare(
            sandbox.git_handle(),
            &sandbox.remote(repo.name),
            sandbox.root(),
        );
        remotes.push(format!("remotes/{}.git", repo.name));
    }
    (sandbox, remotes)
}

fn by_name(list: &Value) -> BTreeMap<String, Value> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let name = item
                .get("name")
                .or_else(|| item.get("repo"))
                .and_then(Value::as_str)
                .unwrap();
            (name.to_owned(), item.clone())
        })
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn import_writes_a_manifest_that_check_accepts_and_a_train_can_be_planned_from() {
    let (sandbox, remotes) = seed_shaped_remotes();
    let mut args = vec!["import", "--json"];
    args.extend(remotes.iter().map(String::as_str));
    let imported = sandbox.flotilla(&args).success();
    assert!(
        imported.stderr.contains("[8/8]"),
        "progress per repository on stderr:\n{imported}"
    );
    let report = imported.json();
    let repos = by_name(&report["repos"]);
    assert_eq!(repos.len(), 8);
    let category = |name: &str| {
        repos[name]["category"]["category"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for (name, expected) in [
        ("python-core", "backend-core"),
        ("api", "backend-core"),
        ("identity", "backend"),
        ("console", "frontend"),
        ("spaceone-design-system", "frontend-core"),
        ("plugin-aws-ec2-inven-collector", "plugin"),
        ("spacectl", "tool"),
        ("docs", "unsorted"),
    ] {
        assert_eq!(category(name), expected, "{name}");
    }
    let artifacts = |name: &str| strings(&repos[name]["artifacts"]);
    assert_eq!(artifacts("identity"), ["image", "python", "chart"]);
    assert_eq!(artifacts("spaceone-design-system"), ["npm"]);
    assert_eq!(artifacts("spacectl"), ["image", "python"]);
    let depends_on = |name: &str| strings(&repos[name]["depends_on"]);
    assert_eq!(depends_on("identity"), ["api", "python-core"]);
    assert_eq!(depends_on("console"), ["spaceone-design-system"]);
    assert_eq!(repos["api"]["python_source"], "dist/python");
    assert_eq!(repos["python-core"]["tag_template"], "{canonical}");
    assert_eq!(repos["python-core"]["version_file"], "src/VERSION");
    assert_eq!(repos["identity"]["default_branch"], "master");
    // Tags read in every spelling: the plugin is at its two-part tag.
    let plugin = &repos["plugin-aws-ec2-inven-collector"]["tags"];
    assert_eq!(plugin["newest"], "1.13.0");
    assert_eq!(plugin["newest_tag"], "v1.13");
    assert_eq!(plugin["not_versions"], serde_json::json!([]));
    assert_eq!(repos["console"]["chart_image_tag_key"], "image.tag");
    let undecided = |name: &str| strings(&repos[name]["undecided"]).join("\n");
    assert!(undecided("identity").contains("no version file on master"));
    assert!(undecided("python-core").contains("tags in two spellings"));
    assert!(undecided("docs").contains("no build files found"));
    let all: Vec<(Value, String)> = report["undecided"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["repo"].clone(), q["why"].as_str().unwrap().to_owned()))
        .collect();
    assert!(
        all.iter()
            .any(|(repo, why)| repo.is_null() && why.starts_with("hotfix_semver")),
        "fleet questions have no repository: {all:?}"
    );
    assert!(
        all.iter()
            .any(|(repo, why)| repo == "docs" && why.contains("no build files found")),
        "{all:?}"
    );

    // The file says the same, with the open questions as comments, and passes check.
    let manifest = std::fs::read_to_string(sandbox.manifest()).unwrap();
    assert!(
        manifest.contains("remote: remotes/identity.git"),
        "{manifest}"
    );
    assert!(
        manifest.contains("depends_on: [api, python-core]"),
        "{manifest}"
    );
    assert!(manifest.contains("# Could not decide:"), "{manifest}");
    assert!(
        manifest.contains("chart: {path: deploy/helm, image_tag_key: image.tag}"),
        "{manifest}"
    );
    assert!(
        manifest.contains(
            "    version_files:\n      - {path: package.json, format: package.json}\n      - {path: deploy/helm/Chart.yaml, format: Chart.yaml}\n"
        ),
        "{manifest}"
    );
    assert!(
        manifest.contains("# undecided: no version file on master"),
        "{manifest}"
    );
    let check = sandbox.flotilla(&["check", "--json"]).success().json();
    assert_eq!(check["repos"].as_array().unwrap().len(), 8);

    // The first thing a team switching over runs: the plan of a release train.
    let plan = sandbox
        .flotilla(&["plan", "release", "start", "2.0.0", "--json"])
        .success()
        .json();
    let runs = by_name(&plan["runs"]);
    assert_eq!(runs.len(), 8, "every repository is in the train: {plan}");
    let wave = |name: &str| runs[name]["wave"].as_u64().unwrap();
    assert!(wave("identity") > wave("python-core") && wave("identity") > wave("api"));
    assert!(wave("console") > wave("spaceone-design-system"));
    assert!(wave("spacectl") > wave("api"));
    let waves = plan["waves"].as_array().unwrap();
    let listed: usize = waves
        .iter()
        .map(|w| w["repos"].as_array().unwrap().len())
        .sum();
    assert_eq!(listed, 8, "each repository in exactly one wave");
    let step = |name: &str, kind: &str| -> Value {
        runs[name]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == kind)
            .cloned()
            .unwrap_or_else(|| panic!("{name} has no {kind} step: {}", runs[name]))
    };
    // Each repository in the spelling its history uses.
    assert_eq!(step("python-core", "tag-and-push")["tag"], "2.0.0rc1");
    assert_eq!(
        step("python-core", "create-branch")["branch"],
        "release-2.0"
    );
    assert_eq!(step("identity", "tag-and-push")["tag"], "v2.0.0rc1");
    assert_eq!(step("identity", "create-branch")["branch"], "release-2.0.0");
    assert_eq!(
        step("plugin-aws-ec2-inven-collector", "create-branch")["branch"],
        "release-2.0"
    );
    assert_eq!(
        step("identity", "publish-python")["name"],
        "spaceone-identity"
    );
    assert_eq!(
        step("spaceone-design-system", "publish-npm")["name"],
        "@spaceone/design-system"
    );
    // The release commit writes every version file import found, each in its rendering.
    let edits = |name: &str| -> Vec<Value> {
        step(name, "set-version")["edits"]
            .as_array()
            .unwrap()
            .clone()
    };
    let console = edits("console");
    assert!(
        console.contains(&serde_json::json!({"path": "package.json", "field": "package-json", "value": "2.0.0-rc.1"})),
        "{console:?}"
    );
    assert!(
        console.contains(&serde_json::json!({"path": "deploy/helm/Chart.yaml", "field": "chart-yaml", "key": "appVersion", "value": "2.0.0rc1"})),
        "{console:?}"
    );
    assert!(
        console.contains(&serde_json::json!({"path": "deploy/helm/Chart.yaml", "field": "chart-yaml", "key": "version", "value": "2.0.0-rc.1"})),
        "the chart's version is the published chart's: {console:?}"
    );
    assert!(edits("spaceone-design-system").contains(
        &serde_json::json!({"path": "package.json", "field": "package-json", "value": "2.0.0-rc.1"})
    ),);
}

/// A `setup.py` that opens its `__version__` module, a second `VERSION` without `v`, and a
/// `pyproject.toml` with a static version: import writes each as a version file the engine
/// read (the module in its second pass), check accepts them, and the first plan's release
/// commit edits them.
#[test]
fn import_finds_every_version_file_and_the_first_plan_writes_them() {
    let sandbox = support::sandbox();
    for repo in version_files_shaped().iter().take(2) {
        repo.create_bare(
            sandbox.git_handle(),
            &sandbox.remote(repo.name),
            sandbox.root(),
        );
    }
    sandbox
        .flotilla(&["import", "remotes/tester.git", "remotes/sdk.git"])
        .success();
    let manifest = std::fs::read_to_string(sandbox.manifest()).unwrap();
    assert!(
        manifest.contains("      - {path: docs/VERSION, format: canonical, template: \"{canonical}\"}\n      - {path: src/spaceone/tester/__init__.py, format: python}\n"),
        "{manifest}"
    );
    assert!(
        manifest.contains("      - {path: pyproject.toml, format: pyproject}\n"),
        "{manifest}"
    );
    assert!(!manifest.contains("another version file"), "{manifest}");
    sandbox.flotilla(&["check"]).success();
    let plan = sandbox
        .flotilla(&["plan", "release", "start", "2.0.0", "--json"])
        .success()
        .json();
    let runs = by_name(&plan["runs"]);
    let set_version = |name: &str| -> Value {
        runs[name]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == "set-version")
            .cloned()
            .unwrap_or_else(|| panic!("{name}: {}", runs[name]))
    };
    let tester = set_version("tester");
    assert_eq!(tester["file"], "VERSION");
    assert_eq!(tester["content"], "v2.0.0rc1\n");
    let edits = tester["edits"].as_array().unwrap();
    for expected in [
        serde_json::json!({"path": "docs/VERSION", "field": "whole", "value": "2.0.0rc1"}),
        serde_json::json!({"path": "src/spaceone/tester/__init__.py", "field": "python", "value": "2.0.0rc1"}),
    ] {
        assert!(edits.contains(&expected), "{expected} in {edits:?}");
    }
    let sdk = set_version("sdk");
    assert!(
        sdk["edits"].as_array().unwrap().contains(&serde_json::json!({"path": "pyproject.toml", "field": "pyproject", "value": "2.0.0rc1"})),
        "{sdk}"
    );
    assert_eq!(
        step_tag(&runs["sdk"]),
        "2.0.0rc1",
        "the sdk's tags have no v"
    );
}

fn step_tag(run: &Value) -> String {
    run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "tag-and-push")
        .map(|s| s["tag"].as_str().unwrap().to_owned())
        .unwrap()
}

#[test]
fn import_reads_remotes_from_a_file_and_writes_where_told() {
    let (sandbox, remotes) = seed_shaped_remotes();
    // A developer's clone instead of the bare remote: read all the same, and said.
    let clone = sandbox.outside("checkout/api");
    sandbox.git(
        sandbox.root(),
        &[
            "clone",
            "--quiet",
            &sandbox.remote("api").display().to_string(),
            &clone.display().to_string(),
        ],
    );
    let list = sandbox.outside("remotes.txt");
    std::fs::write(
        &list,
        format!("# the core libraries\n{}\n\ncheckout/api\n", remotes[0]),
    )
    .unwrap();
    let out = sandbox.outside("adopted.yaml");
    let outcome = sandbox
        .flotilla(&[
            "import",
            "--from-file",
            list.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .success();
    assert!(outcome.stdout.contains("python-core"), "{outcome}");
    assert!(outcome.stdout.contains("could not decide"), "{outcome}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("- name: python-core") && text.contains("- name: api"),
        "{text}"
    );
    assert!(text.contains("remote: checkout/api\n"), "{text}");
    assert!(text.contains("is a clone with a work tree"), "{text}");
    assert!(!sandbox.manifest().exists(), "only --out is written");
}

#[test]
fn import_refuses_to_overwrite_an_existing_manifest() {
    let (sandbox, remotes) = seed_shaped_remotes();
    std::fs::write(sandbox.manifest(), "# mine\n").unwrap();
    let outcome = sandbox.flotilla(&["import", &remotes[0]]);
    assert_eq!(outcome.code, Some(2), "{outcome}");
    assert!(outcome.stderr.contains("already exists"), "{outcome}");
    assert!(outcome.stderr.contains("--force"), "{outcome}");
    assert_eq!(
        std::fs::read_to_string(sandbox.manifest()).unwrap(),
        "# mine\n"
    );
    assert!(
        !sandbox.root().join(".flotilla").exists(),
        "nothing was read either"
    );

    sandbox
        .flotilla(&["import", "--force", &remotes[0]])
        .success();
    let text = std::fs::read_to_string(sandbox.manifest()).unwrap();
    assert!(text.contains("- name: python-core"), "{text}");
}

#[test]
fn a_remote_that_does_not_exist_is_named_and_nothing_is_written() {
    let (sandbox, remotes) = seed_shaped_remotes();
    let missing = sandbox.flotilla(&["import", &remotes[0], "remotes/billing.git"]);
    assert_eq!(missing.code, Some(2), "{missing}");
    assert!(
        missing
            .stderr
            .contains("the remote remotes/billing.git does not exist"),
        "{missing}"
    );
    assert!(!sandbox.manifest().exists());

    // An address git cannot read fails the import (exit 1) and names it.
    let unreadable = "file:///nonexistent/flotilla/billing.git";
    let failed = sandbox.flotilla(&["import", &remotes[0], unreadable]);
    assert_eq!(failed.code, Some(1), "{failed}");
    assert!(
        failed
            .stderr
            .contains(&format!("cannot read the remote {unreadable}")),
        "{failed}"
    );
    assert!(!sandbox.manifest().exists());
}

#[test]
fn what_import_and_the_first_plan_print_is_pinned() {
    let (sandbox, remotes) = seed_shaped_remotes();
    let mut args = vec!["import"];
    args.extend(remotes.iter().map(String::as_str));
    let imported = sandbox.flotilla(&args).success();
    // Progress lines arrive in completion order: pinned is what stdout says.
    crate::cli_output::filters(&sandbox)
        .bind(|| insta::assert_snapshot!("import_seed_shaped", imported.stdout));
    let manifest = std::fs::read_to_string(sandbox.manifest()).unwrap();
    crate::cli_output::filters(&sandbox)
        .bind(|| insta::assert_snapshot!("import_seed_shaped_manifest", manifest));
    let plan = sandbox
        .flotilla(&["plan", "release", "start", "2.0.0"])
        .success();
    crate::cli_output::assert_outcome(&sandbox, "import_seed_shaped_plan", &plan);
}
