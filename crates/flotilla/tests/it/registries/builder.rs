//! Images built from a Dockerfile by an external builder — real buildah, in storage of the
//! test's own — and pushed by the flow, checked with skopeo and tar: the registry and its
//! mirror hold the digest flotilla recorded with the file in its layer, a re-run publishes
//! nothing, a builder that pushes itself is read back, a failing or hanging build fails its step
//! with the builder's output in the log, a typo in a placeholder is refused with its position,
//! and the embedded OCI layout takes the image too.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::clients::{oci_digest, oci_tags, run, skopeo_inspect};
use super::{Named, recorded_artifacts};
use crate::support::{
    Sandbox, fleet, run_id, run_states, skopeo_inspect as inspect_layout, states,
};
use flotilla_testkit::Endpoint;
use flotilla_testkit::services;

const DOCKERFILE: &str =
    "FROM scratch\nCOPY hello.txt /hello.txt\nLABEL org.example.kind=\"builder-test\"\n";

/// buildah, rootless-safe (`vfs`, `chroot`), its storage under the sandbox, writing an OCI
/// layout to `{output}` with the OCI labels.
fn buildah_argv(fleet: &Sandbox) -> Vec<String> {
    let root = fleet.outside("buildah");
    let mut argv: Vec<String> = vec![
        "buildah".to_owned(),
        "--root".to_owned(),
        root.join("storage").display().to_string(),
        "--runroot".to_owned(),
        root.join("run").display().to_string(),
    ];
    argv.extend(
        [
            "--storage-driver",
            "vfs",
            "bud",
            "--isolation",
            "chroot",
            "--format",
            "oci",
            "--label",
            "org.opencontainers.image.version={version}",
            "--label",
            "org.opencontainers.image.revision={revision}",
            "--label",
            "org.opencontainers.image.source={source}",
            "-f",
            "{dockerfile}",
            "-t",
            "oci:{output}",
            "{context}",
        ]
        .map(str::to_owned),
    );
    argv
}

/// A YAML flow sequence of `argv`, every item double-quoted.
fn yaml_list(argv: &[String]) -> String {
    let items: Vec<String> = argv.iter().map(|a| format!("{a:?}")).collect();
    format!("[{}]", items.join(", "))
}

/// Gives repository `repo` of the fleet's manifest an `image:` section written as `flow`.
fn set_image(fleet: &Sandbox, repo: &str, category: &str, flow: &str) {
    let manifest = fs::read_to_string(fleet.manifest()).unwrap();
    let entry =
        format!("  - name: {repo}\n    remote: remotes/{repo}.git\n    category: {category}\n");
    assert!(manifest.contains(&entry), "{manifest}");
    let with = manifest.replace(&entry, &format!("{entry}    image: {flow}\n"));
    fs::write(fleet.manifest(), with).unwrap();
}

/// Whether buildah can run here; says why a test does not run otherwise.
#[allow(clippy::print_stderr)]
fn buildah_installed() -> bool {
    let ok = Command::new("buildah")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("FLOTILLA_TEST_REQUIRE_SERVICES").is_none(),
            "FLOTILLA_TEST_REQUIRE_SERVICES is set, but buildah is not installed"
        );
        eprintln!("skipped: buildah is not installed; run scripts/install-test-deps.sh");
    }
    ok
}

/// What the registry tests need: buildah, and a registry as its URL, its `host:port` and the
/// endpoint to keep while it is used; `None` (the test skips) without them.
fn buildah_and_registry() -> Option<(String, String, Endpoint)> {
    if !buildah_installed() {
        return None;
    }
    let registry = services::oci_registry()?;
    Some((
        registry.url().to_owned(),
        registry.host().to_owned(),
        registry,
    ))
}

/// `hello.txt` of the image's only layer, read with tar from what skopeo copies out of
/// `source` (`docker://…` or `oci:…`).
fn hello_in_layer(source: &str, scratch: &Path) -> String {
    let dir = scratch.join("copied");
    drop(fs::remove_dir_all(&dir));
    fs::create_dir_all(scratch).unwrap();
    run(Command::new("skopeo").args([
        "copy",
        "--src-tls-verify=false",
        source,
        &format!("dir:{}", dir.display()),
    ]));
    let manifest: Value =
        serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "FROM scratch and one COPY: {manifest:#}");
    let digest = layers[0]["digest"].as_str().unwrap();
    let blob = dir.join(digest.strip_prefix("sha256:").unwrap());
    run(Command::new("tar").arg("-xOf").arg(&blob).arg("hello.txt"))
}

#[test]
fn buildah_builds_the_dockerfile_the_flow_pushes_it_to_the_registry_and_its_mirror_once() {
    let Some((url, host, _server)) = buildah_and_registry() else {
        return;
    };
    let n = Named::new();
    let (app, ns) = (n.repo("app"), n.namespace());
    let fleet = fleet()
        .setting(&format!("image_namespace: {ns}"))
        .section(&format!(
            "registries:\n  images: {{kind: image, url: {url}, insecure: true}}\n  \
             mirror: {{kind: image, url: {url}/{ns}-mirror, insecure: true}}\n"
        ))
        .category("svc")
        .repo(&app, "svc")
        .file("Dockerfile", DOCKERFILE)
        .file("hello.txt", &format!("hello from {app}\n"))
        .build();
    let builder = yaml_list(&buildah_argv(&fleet));
    set_image(
        &fleet,
        &app,
        "svc",
        &format!("{{registry: images, mirrors: [mirror], builder: {builder}}}"),
    );

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    let train = out.json()["train"].as_str().unwrap().to_owned();
    assert_eq!(run_states(&out.json()), states(&[(&app, "succeeded")]));

    let recorded: Vec<_> = recorded_artifacts(&fleet)
        .into_iter()
        .filter(|a| a.repo == app && a.kind == "image")
        .collect();
    assert_eq!(
        recorded.len(),
        2,
        "the registry and the mirror: {recorded:#?}"
    );
    let digest = recorded[0].digest.clone();
    assert!(
        recorded.iter().all(|a| a.digest == digest),
        "one build, the same image in both registries: {recorded:#?}"
    );

    let image = format!("{ns}/{app}");
    let mirrored = format!("{ns}-mirror/{ns}/{app}");
    let inspected = skopeo_inspect(&host, &format!("{image}:1.0.0rc1"));
    assert_eq!(inspected["Digest"], digest.as_str(), "{inspected:#}");
    let mirror_inspected = skopeo_inspect(&host, &format!("{mirrored}:1.0.0rc1"));
    assert_eq!(mirror_inspected["Digest"], digest.as_str());
    let labels = &inspected["Labels"];
    assert_eq!(labels["org.example.kind"], "builder-test", "{labels:#}");
    assert_eq!(labels["org.opencontainers.image.version"], "1.0.0rc1");
    assert_eq!(
        labels["org.opencontainers.image.revision"],
        fleet.rev(&app, "v1.0.0rc1").as_str()
    );
    assert_eq!(
        hello_in_layer(
            &format!("docker://{host}/{image}:1.0.0rc1"),
            &fleet.outside("scratch")
        ),
        format!("hello from {app}\n")
    );

    let before = [
        (oci_tags(&url, &image), oci_digest(&url, &image, "1.0.0rc1")),
        (
            oci_tags(&url, &mirrored),
            oci_digest(&url, &mirrored, "1.0.0rc1"),
        ),
    ];
    assert_eq!(before[0].0, ["1.0.0rc1"]);
    fleet.flotilla(&["release", "resume", &train]).success();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    let after = [
        (oci_tags(&url, &image), oci_digest(&url, &image, "1.0.0rc1")),
        (
            oci_tags(&url, &mirrored),
            oci_digest(&url, &mirrored, "1.0.0rc1"),
        ),
    ];
    assert_eq!(after, before, "running the release again publishes nothing");

    // Publishing the tagged version again runs the publish steps over the existing tag: the
    // builder is not run, since a second image would differ from the published one.
    let again = fleet
        .flotilla(&["release", "tag", "1.0.0rc1", "--republish", "--json"])
        .success()
        .json();
    assert_eq!(run_states(&again), states(&[(&app, "succeeded")]));
    let logs = fleet
        .flotilla(&["logs", &run_id(&again, &app), "publish-image"])
        .success();
    assert!(
        logs.stdout.contains("is already published as") && !logs.stdout.contains("$ buildah"),
        "{}",
        logs.stdout
    );
    let recorded = recorded_artifacts(&fleet);
    assert!(
        recorded.iter().any(|a| a.repo == app && a.digest == digest),
        "the existing image is recorded: {recorded:#?}"
    );
    let after = [
        (oci_tags(&url, &image), oci_digest(&url, &image, "1.0.0rc1")),
        (
            oci_tags(&url, &mirrored),
            oci_digest(&url, &mirrored, "1.0.0rc1"),
        ),
    ];
    assert_eq!(after, before, "and publishes nothing");
}

/// A builder that pushes `{image}` itself (a script around buildah here, as kaniko or
/// `docker buildx --push` would): flotilla reads the pushed digest back, points the master
/// push's further tag at it and records it.
#[test]
fn a_builder_that_pushes_itself_is_read_back_from_the_registry() {
    let Some((url, host, _server)) = buildah_and_registry() else {
        return;
    };
    let n = Named::new();
    let (app, ns) = (n.repo("app"), n.namespace());
    let fleet = fleet()
        .setting(&format!("image_namespace: {ns}"))
        .section(&format!(
            "registries:\n  images: {{kind: image, url: {url}, insecure: true}}\n"
        ))
        .category("svc")
        .repo(&app, "svc")
        .file("Dockerfile", DOCKERFILE)
        .file("hello.txt", "pushed by the builder\n")
        .file("build-and-push.sh", BUILD_AND_PUSH)
        .build();
    let root = fleet.outside("buildah").display().to_string();
    let builder = yaml_list(&[
        "sh".to_owned(),
        "build-and-push.sh".to_owned(),
        root,
        "{image}".to_owned(),
        "{context}".to_owned(),
    ]);
    set_image(&fleet, &app, "svc", &format!("{{builder: {builder}}}"));

    fleet.flotilla(&["push", &app]).success();
    let dev = format!("{ns}-dev/{app}");
    let tags = oci_tags(&url, &dev);
    assert_eq!(tags.len(), 2, "latest and the build stamp: {tags:?}");
    let digest = oci_digest(&url, &dev, "latest");
    for tag in &tags {
        assert_eq!(oci_digest(&url, &dev, tag), digest, "{tag}");
    }
    let recorded = recorded_artifacts(&fleet);
    assert!(
        recorded.iter().any(|a| a.repo == app && a.digest == digest),
        "{recorded:#?}"
    );
    assert_eq!(
        hello_in_layer(
            &format!("docker://{host}/{dev}:latest"),
            &fleet.outside("scratch")
        ),
        "pushed by the builder\n"
    );
}

/// Builds with buildah and pushes with it: `sh build-and-push.sh ROOT IMAGE CONTEXT`.
const BUILD_AND_PUSH: &str = "#!/bin/sh\nset -eu\nroot=$1 image=$2 context=$3\n\
    b() { buildah --root \"$root/storage\" --runroot \"$root/run\" --storage-driver vfs \"$@\"; }\n\
    b bud --isolation chroot --format oci -t flotilla-built \"$context\"\n\
    b push --tls-verify=false --format oci flotilla-built \"docker://$image\"\n";

#[test]
fn a_failing_builder_fails_its_step_with_the_output_in_the_log_and_blocks_dependents() {
    if !buildah_installed() {
        return;
    }
    let fleet = fleet()
        .category("svc")
        .repo("broken", "svc")
        .file("Dockerfile", "FROM scratch\nFROBNICATE x\n")
        .repo("needs-it", "svc")
        .depends_on(&["broken"])
        .build();
    let builder = yaml_list(&buildah_argv(&fleet));
    set_image(&fleet, "broken", "svc", &format!("{{builder: {builder}}}"));

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure();
    let summary = out.json();
    assert_eq!(
        run_states(&summary),
        states(&[("broken", "failed"), ("needs-it", "blocked")])
    );
    let broken = summary["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == "broken")
        .unwrap();
    let error = broken["error"].as_str().unwrap();
    let run = run_id(&summary, "broken");
    for needle in [
        "broken: the image builder buildah failed: exited with status 125",
        &format!("flotilla logs {run} "),
    ] {
        assert!(error.contains(needle), "{needle:?} is not in: {error}");
    }
    let logs = fleet.flotilla(&["logs", &run, "publish-image"]).success();
    assert!(
        logs.stdout.contains("FROBNICATE"),
        "buildah's own error is in the step log:\n{}",
        logs.stdout
    );
    assert!(
        !fleet
            .artifacts()
            .join("oci/fleet/broken")
            .join("index.json")
            .exists(),
        "nothing was published"
    );
    assert_eq!(
        fleet.branches("needs-it"),
        ["master"],
        "the dependent never started"
    );
}

#[test]
fn a_builder_that_outlives_its_timeout_is_killed_and_fails_the_step() {
    let fleet = fleet().category("svc").repo("slow", "svc").build();
    set_image(
        &fleet,
        "slow",
        "svc",
        "{builder: [sh, -c, \"sleep 600\", sh, \"{output}\"], builder_timeout_secs: 1}",
    );
    let summary = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure()
        .json();
    assert_eq!(run_states(&summary), states(&[("slow", "failed")]));
    let error = summary["runs"][0]["error"].as_str().unwrap();
    for needle in [
        "slow: the image builder sh failed",
        "timed out after 1 s",
        "`image.builder_timeout_secs`",
    ] {
        assert!(error.contains(needle), "{needle:?} is not in: {error}");
    }
}

#[test]
fn an_unknown_builder_placeholder_is_refused_with_its_position() {
    let fleet = fleet().category("svc").repo("app", "svc").build();
    set_image(
        &fleet,
        "app",
        "svc",
        "{builder: [buildah, bud, \"-t\", \"oci:{output}\", \"{contxt}\"]}",
    );
    let manifest = fs::read_to_string(fleet.manifest()).unwrap();
    let (line, text) = manifest
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("{contxt}"))
        .unwrap();
    let column = text.find("\"{contxt}\"").unwrap() + 1;

    let out = fleet.flotilla(&["release", "start", "1.0.0"]);
    assert_eq!(out.code, Some(2), "{out}");
    for needle in [
        format!("flotilla.yaml:{}:{column}:", line + 1),
        "unknown placeholder {contxt}".to_owned(),
        "did you mean {context}?".to_owned(),
    ] {
        assert!(out.stderr.contains(&needle), "{needle:?} is not in:\n{out}");
    }
    assert!(fleet.tags("app").is_empty(), "nothing ran");
}

/// A category-wide builder and the embedded registry: the release and a master push land in
/// the OCI layout, where skopeo finds them with the file in the layer.
#[test]
fn a_category_builder_publishes_into_the_embedded_oci_layout() {
    if !buildah_installed() {
        return;
    }
    let fleet = fleet()
        .repo("app", "svc")
        .file("Dockerfile", DOCKERFILE)
        .file("hello.txt", "hello, layout\n")
        .build();
    let builder = yaml_list(&buildah_argv(&fleet));
    let manifest = fs::read_to_string(fleet.manifest()).unwrap();
    fs::write(
        fleet.manifest(),
        manifest.replace(
            "repositories:\n",
            &format!(
                "categories:\n  svc:\n    publishes: {{image: true}}\n    image_builder: \
                 {builder}\nrepositories:\n"
            ),
        ),
    )
    .unwrap();

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    assert_eq!(run_states(&out.json()), states(&[("app", "succeeded")]));
    let layout = fleet.artifacts().join("oci/fleet/app");
    let inspected = inspect_layout(&layout, "1.0.0rc1").expect("skopeo finds the release");
    let recorded = recorded_artifacts(&fleet);
    let image = super::find(&recorded, "app", "image", "1.0.0rc1");
    assert_eq!(inspected["Digest"], image.digest.as_str());
    assert_eq!(inspected["Labels"]["org.example.kind"], "builder-test");
    assert_eq!(
        hello_in_layer(
            &format!("oci:{}:1.0.0rc1", layout.display()),
            &fleet.outside("scratch")
        ),
        "hello, layout\n"
    );

    fleet.flotilla(&["push", "app"]).success();
    let dev = fleet.artifacts().join("oci/fleet-dev/app");
    let latest = inspect_layout(&dev, "latest").expect("the master push moved latest");
    assert_eq!(latest["Labels"]["org.example.kind"], "builder-test");
}
