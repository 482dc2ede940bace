//! Each flow of a fleet, checked on the remotes with git and on the targets with pip, npm and
//! skopeo.

use crate::support::{
    Sandbox, chart_yaml, fleet, layout_tags, npm_install, pip_install, run_states, skopeo_inspect,
    states,
};

/// `YYYYMMDD.HHMMSS`.
fn is_build_stamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 15
        && bytes[8] == b'.'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 8 || b.is_ascii_digit())
}

/// The shape every release of a repository takes: the tag on the release branch's head, the
/// version file there, annotated.
fn assert_released(fleet: &Sandbox, repo: &str, branch: &str, tag: &str) {
    assert_eq!(
        fleet.rev(repo, tag),
        fleet.rev(repo, branch),
        "{repo}: {tag} is not the head of {branch}"
    );
    assert_eq!(
        fleet.show(repo, tag, "VERSION").as_deref(),
        Some(format!("{tag}\n").as_str()),
        "{repo}: VERSION at {tag}"
    );
    assert_eq!(
        fleet.remote_git(repo, &["cat-file", "-t", tag]).trim(),
        "tag",
        "{repo}: {tag} is not an annotated tag"
    );
    assert_eq!(
        fleet.count_subject(repo, branch, &format!("[CI/CD] release version {tag}")),
        1,
        "{repo}: one release commit for {tag}"
    );
}

#[test]
fn master_push_publishes_latest_and_a_stamped_dev_image_and_changes_no_git_ref() {
    let fleet = fleet().repo("console", "frontend").build();
    let before = fleet.snapshot();

    let out = fleet.flotilla(&["push", "console", "--json"]).success();

    assert_eq!(run_states(&out.json()), states(&[("console", "succeeded")]));
    assert_eq!(
        fleet.snapshot().refs,
        before.refs,
        "a master push changes no ref"
    );
    let dev = fleet.artifacts().join("oci/fleet-dev/console");
    let tags = layout_tags(&dev);
    assert_eq!(tags.len(), 2, "latest and one stamped tag: {tags:?}");
    assert_eq!(tags[1], "latest");
    let stamp = tags[0]
        .strip_prefix("0.9.0.")
        .unwrap_or_else(|| panic!("{} is not the master version and a stamp", tags[0]));
    assert!(is_build_stamp(stamp), "{stamp} is not YYYYMMDD.HHMMSS");
    let latest = skopeo_inspect(&dev, "latest").expect("skopeo finds latest");
    let stamped = skopeo_inspect(&dev, &tags[0]).expect("skopeo finds the stamped tag");
    assert_eq!(latest["Digest"], stamped["Digest"]);
    assert_eq!(
        stamped["Labels"]["org.opencontainers.image.version"],
        tags[0].as_str()
    );
    assert_eq!(
        stamped["Labels"]["org.opencontainers.image.revision"],
        fleet.rev("console", "master").as_str()
    );
    assert!(
        !fleet.artifacts().join("oci/fleet/console").exists(),
        "a master push publishes nothing in the release namespace"
    );
}

#[test]
fn release_start_cuts_branches_without_github_tags_rc1_and_reflects_to_master() {
    let fleet = fleet()
        .repo("api", "backend-core")
        .repo("identity", "backend")
        .depends_on(&["api"])
        .build();

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();

    let summary = out.json();
    assert_eq!(
        run_states(&summary),
        states(&[("api", "succeeded"), ("identity", "succeeded")])
    );
    for repo in ["api", "identity"] {
        assert_eq!(fleet.branches(repo), ["master", "release-1.0.0"]);
        assert_eq!(fleet.tags(repo), ["v1.0.0rc1"]);
        assert_released(&fleet, repo, "release-1.0.0", "v1.0.0rc1");
        assert_eq!(
            fleet.show(repo, "release-1.0.0", ".github/workflows/ci.yaml"),
            None,
            "{repo}: .github is stripped from the release branch"
        );
        assert!(
            fleet
                .show(repo, "master", ".github/workflows/ci.yaml")
                .is_some(),
            "{repo}: master keeps .github"
        );
        assert_eq!(
            fleet.subjects(repo, "release-1.0.0"),
            [
                "[CI/CD] release version v1.0.0rc1",
                "[CI/CD] remove CI from the release branch",
                &format!("Initial commit of {repo}"),
            ]
        );
        assert_eq!(
            fleet.show(repo, "master", "VERSION").as_deref(),
            Some("v1.0.0rc1\n")
        );
        assert_eq!(
            fleet.subjects(repo, "master"),
            [
                "[CI/CD] reflect version v1.0.0rc1",
                &format!("Initial commit of {repo}"),
            ]
        );
    }
    let simple = fleet.artifacts().join("pypi/simple");
    assert_eq!(pip_install(&simple, "api", "1.0.0rc1"), "1.0.0rc1");
    assert_eq!(pip_install(&simple, "identity", "1.0.0rc1"), "1.0.0rc1");
    let image = fleet.artifacts().join("oci/fleet/identity");
    let inspected = skopeo_inspect(&image, "1.0.0rc1").expect("the rc image");
    assert_eq!(
        inspected["Labels"]["org.opencontainers.image.revision"],
        fleet.rev("identity", "v1.0.0rc1").as_str()
    );
    assert_eq!(
        layout_tags(&image),
        ["1.0.0rc1"],
        "a release never moves latest"
    );
    assert!(
        !fleet.artifacts().join("oci/fleet/api").exists(),
        "backend-core publishes no image"
    );
    let chart = chart_yaml(
        &fleet.artifacts().join("charts/identity-1.0.0-rc.1.tgz"),
        "identity",
    );
    assert!(chart.contains("version: \"1.0.0-rc.1\""), "{chart}");
    assert!(chart.contains("appVersion: \"1.0.0rc1\""), "{chart}");
}

#[test]
fn rc2_of_one_repository_tags_its_release_branch_and_leaves_the_others() {
    let fleet = fleet()
        .category("svc")
        .repo("a", "svc")
        .repo("b", "svc")
        .build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    let a_before = fleet.snapshot().refs["a"].clone();

    fleet
        .flotilla(&["release", "tag", "1.0.0rc2", "--repo", "b"])
        .success();

    assert_eq!(fleet.tags("b"), ["v1.0.0rc1", "v1.0.0rc2"]);
    assert_released(&fleet, "b", "release-1.0.0", "v1.0.0rc2");
    fleet.remote_git(
        "b",
        &["merge-base", "--is-ancestor", "v1.0.0rc1", "v1.0.0rc2"],
    );
    assert_eq!(
        fleet.show("b", "master", "VERSION").as_deref(),
        Some("v1.0.0rc2\n")
    );
    assert_eq!(fleet.snapshot().refs["a"], a_before, "a is not touched");
}

#[test]
fn release_final_tags_every_branch_and_publishes_npm_latest_and_images() {
    let fleet = fleet()
        .repo("design", "frontend-core")
        .repo("web", "frontend")
        .depends_on(&["design"])
        .build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();

    let out = fleet
        .flotilla(&["release", "final", "1.0.0", "--json"])
        .success();

    assert_eq!(
        run_states(&out.json()),
        states(&[("design", "succeeded"), ("web", "succeeded")])
    );
    for repo in ["design", "web"] {
        assert_eq!(fleet.tags(repo), ["v1.0.0", "v1.0.0rc1"]);
        assert_released(&fleet, repo, "release-1.0.0", "v1.0.0");
        fleet.remote_git(
            repo,
            &["merge-base", "--is-ancestor", "v1.0.0rc1", "v1.0.0"],
        );
        assert_eq!(
            fleet.show(repo, "master", "VERSION").as_deref(),
            Some("v1.0.0\n")
        );
    }
    let npm = fleet.artifacts().join("npm");
    let installed = npm_install(&npm.join("design-1.0.0.tgz"), "design");
    assert_eq!(installed["version"], "1.0.0");
    let packument: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(npm.join("design.json")).unwrap()).unwrap();
    assert_eq!(packument["dist-tags"]["latest"], "1.0.0");
    assert_eq!(
        packument["dist-tags"].get("rc"),
        None,
        "the final removes the `rc` dist-tag it supersedes"
    );
    let image = fleet.artifacts().join("oci/fleet/web");
    assert_eq!(layout_tags(&image), ["1.0.0", "1.0.0rc1"]);
    assert!(skopeo_inspect(&image, "1.0.0").is_some());
    let chart = chart_yaml(&fleet.artifacts().join("charts/web-1.0.0.tgz"), "web");
    assert!(chart.contains("version: \"1.0.0\""), "{chart}");
    let index = std::fs::read_to_string(fleet.artifacts().join("charts/index.yaml")).unwrap();
    assert!(
        index.contains("web-1.0.0.tgz") && index.contains("web-1.0.0-rc.1.tgz"),
        "the chart index lists both releases:\n{index}"
    );
}

#[test]
fn development_version_of_a_core_library_publishes_packages_only() {
    let fleet = fleet()
        .repo("api", "backend-core")
        .repo("identity", "backend")
        .depends_on(&["api"])
        .build();
    let before = fleet.snapshot();

    let out = fleet
        .flotilla(&["release", "tag", "1.1.0dev1", "--json"])
        .success();

    assert_eq!(
        run_states(&out.json()),
        states(&[("api", "succeeded")]),
        "identity's category allows no development versions"
    );
    assert_eq!(
        fleet.snapshot().refs,
        before.refs,
        "a development version makes no branch, commit or tag"
    );
    let simple = fleet.artifacts().join("pypi/simple");
    assert_eq!(pip_install(&simple, "api", "1.1.0.dev1"), "1.1.0.dev1");
    assert!(!fleet.artifacts().join("oci").exists(), "no image at all");
}

#[test]
fn hotfix_tags_the_release_branch_of_the_named_repository_only() {
    let fleet = fleet()
        .category("svc")
        .repo("a", "svc")
        .repo("cli", "tool")
        .build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    fleet.flotilla(&["release", "final", "1.0.0"]).success();
    let a_before = fleet.snapshot().refs["a"].clone();

    fleet
        .flotilla(&["release", "hotfix", "1.0.0.1", "--repo", "cli"])
        .success();

    assert_eq!(fleet.tags("cli"), ["v1.0.0", "v1.0.0.1", "v1.0.0rc1"]);
    assert_released(&fleet, "cli", "release-1.0.0", "v1.0.0.1");
    assert_eq!(
        fleet.rev("cli", "v1.0.0.1^"),
        fleet.rev("cli", "v1.0.0"),
        "the hotfix commit follows the final on the release branch"
    );
    assert_eq!(
        fleet.show("cli", "master", "VERSION").as_deref(),
        Some("v1.0.0.1\n"),
        "master takes the hotfix: it is newer than v1.0.0"
    );
    assert_eq!(fleet.snapshot().refs["a"], a_before, "a is not touched");
    let image = fleet.artifacts().join("oci/fleet/cli");
    assert!(skopeo_inspect(&image, "1.0.0.1").is_some());
    let files = fleet.artifacts().join("pypi/files/cli");
    let mut names: Vec<String> = std::fs::read_dir(files)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("1.0.0.1"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["cli-1.0.0.1-py3-none-any.whl", "cli-1.0.0.1.tar.gz"]
    );
}

#[test]
fn plugin_release_uses_the_minor_line_branch_and_the_image_name_without_prefix() {
    let fleet = fleet().repo("plugin-aws-collector", "plugin").build();

    fleet.flotilla(&["release", "start", "1.2.0"]).success();

    let repo = "plugin-aws-collector";
    assert_eq!(fleet.branches(repo), ["master", "release-1.2"]);
    assert_released(&fleet, repo, "release-1.2", "v1.2.0rc1");
    let image = fleet.artifacts().join("oci/fleet/aws-collector");
    assert!(skopeo_inspect(&image, "1.2.0rc1").is_some());
}

/// A plugin's release branch is `release-{x}.{y}`: the patch line 1.0.1 continues the branch
/// that 1.0.0 was released from (its tags stay in its history) instead of being refused as a
/// diverged branch; started again, it changes nothing.
#[test]
fn release_start_of_a_patch_line_continues_a_plugins_minor_branch() {
    let fleet = fleet().repo("plugin-aws", "plugin").build();
    fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    fleet
        .flotilla(&["release", "final", "1.0.0", "--json"])
        .success();
    let final_commit = fleet.rev("plugin-aws", "v1.0.0");

    let out = fleet
        .flotilla(&["release", "start", "1.0.1", "--json"])
        .success();

    assert_eq!(
        run_states(&out.json()),
        states(&[("plugin-aws", "succeeded")])
    );
    assert_eq!(fleet.branches("plugin-aws"), ["master", "release-1.0"]);
    assert_released(&fleet, "plugin-aws", "release-1.0", "v1.0.1rc1");
    assert_eq!(
        fleet.rev("plugin-aws", "v1.0.1rc1^"),
        final_commit,
        "1.0.1rc1 is made on top of 1.0.0"
    );
    assert_eq!(
        fleet.show("plugin-aws", "master", "VERSION").as_deref(),
        Some("v1.0.1rc1\n")
    );
    let before = fleet.snapshot();
    fleet
        .flotilla(&["release", "start", "1.0.1", "--json"])
        .success();
    assert_eq!(fleet.snapshot().refs, before.refs);
}
