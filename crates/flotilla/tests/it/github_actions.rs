//! The GitHub Actions executor: the runner's side (`flotilla runner run-steps` in a checkout,
//! publishing to the real registries), and releases whose build and publish steps run on the
//! runner of the in-process fake GitHub (`flotilla_testkit::fake_github`).

use std::process::Command;

use crate::registries::clients::{pip_install_and_import, skopeo_inspect};
use crate::support::fleet;
use flotilla_testkit::Registries;
use flotilla_testkit::services::unique;

/// The reports `runner run-steps` printed: (step, kind, name, version, digest).
fn reported(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .filter_map(|l| l.split_once("flotilla-artifact: "))
        .map(|(_, json)| serde_json::from_str(json).unwrap())
        .collect()
}

/// A runner, given a checkout and the manifest, publishes only the named steps of the
/// repository's release to the real registries, and what it reports is what skopeo and pip
/// see; a step the manifest does not plan is refused before anything runs.
#[test]
fn the_runner_publishes_the_named_steps_from_a_checkout_to_real_registries() {
    let Some(registries) = Registries::get() else {
        return;
    };
    let suffix = unique("r");
    let (namespace, name) = (format!("fleet-{suffix}"), format!("tool-{suffix}"));
    let sandbox = fleet()
        .setting(&format!("image_namespace: {namespace}"))
        .section(&registries.section(&namespace))
        .repo(&name, "tool")
        .file(
            "scripts/build.sh",
            "#!/bin/sh\necho \"building $FLOTILLA_REPO $FLOTILLA_VERSION\"\n",
        )
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .build();
    let checkout = tempfile::tempdir().unwrap();
    let remote = sandbox.remote(&name);
    let cloned = Command::new("git")
        .arg("clone")
        .arg("-q")
        .arg(&remote)
        .arg(checkout.path())
        .status()
        .unwrap();
    assert!(cloned.success());

    let run = |steps: &str| {
        let mut command = sandbox.command(&[
            "runner",
            "run-steps",
            "--repo",
            &name,
            "--version",
            "1.0.0rc1",
            "--steps",
            steps,
            "--train",
            "T1",
            "--run",
            "R1",
        ]);
        command.current_dir(checkout.path());
        flotilla_testkit::Outcome::from_output(&command.output().unwrap())
    };

    let refused = run("build,publish-npm");
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("step `publish-npm` is not a runner step of 1.0.0rc1")
            && refused
                .stderr
                .contains("build, publish-python, publish-image"),
        "{}",
        refused.stderr
    );

    let out = run("build,publish-python,publish-image").success();
    assert!(
        out.stdout.contains(&format!("building {name} 1.0.0rc1")),
        "the command's output is in the log:\n{}",
        out.stdout
    );
    let reports = reported(&out.stdout);
    let image = reports
        .iter()
        .find(|r| r["kind"] == "image")
        .unwrap_or_else(|| panic!("no image reported:\n{}", out.stdout));
    let inspected = skopeo_inspect(
        registries.oci_host(),
        &format!("{namespace}/{name}:1.0.0rc1"),
    );
    assert_eq!(inspected["Digest"], image["digest"], "{}", out.stdout);
    let python: Vec<_> = reports.iter().filter(|r| r["kind"] == "python").collect();
    assert_eq!(python.len(), 2, "a wheel and an sdist: {reports:#?}");
    assert_eq!(
        pip_install_and_import(&registries.pypi, &name, "1.0.0rc1", &name.replace('-', "_")),
        format!("1.0.0rc1 {name}"),
    );

    // Running the same steps again (a re-run of the workflow) publishes nothing new.
    let again = run("publish-image").success();
    let image_again = reported(&again.stdout);
    assert_eq!(image_again.len(), 1, "{}", again.stdout);
    assert_eq!(image_again[0]["digest"], image["digest"]);
}
