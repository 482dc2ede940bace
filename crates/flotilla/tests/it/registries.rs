//! Trains that publish to real registry servers (docker-registry, pypiserver, verdaccio), every
//! artifact checked with a client flotilla did not write: skopeo, pip, npm, and the OCI API
//! read with curl for charts. The servers are the shared ones `scripts/services/start.sh`
//! announces in `FLOTILLA_TEST_*`, or ones started here; every test uses names of its own, so
//! runs and other tests on the same servers never meet. The fault test stops and restarts a
//! docker-registry of its own.

mod builder;
pub(crate) mod clients;
mod request_log;
mod stalls;

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::support::{Sandbox, fleet, run_states, states, waits_for_file};
use clients::{
    RegistryState, fetch_chart, http_get, http_json, manifest_blob_count, npm_dist_tags,
    npm_install_and_require, oci_digest, oci_tags, pip_install_and_import, run, sha256_hex,
    skopeo_inspect, sri_sha512, yaml_field,
};
use flotilla_testkit::Registries;
use flotilla_testkit::services::{own_oci_registry, unique};
use flotilla_testkit::wait;
use request_log::{count_requests, requests, uploaded_digests};

/// A fleet whose every name ends in `-SUFFIX` and whose images live under `fleet-SUFFIX/`.
struct Named {
    suffix: String,
}

impl Named {
    fn new() -> Self {
        Self {
            suffix: unique("t"),
        }
    }

    fn repo(&self, base: &str) -> String {
        format!("{base}-{}", self.suffix)
    }

    fn namespace(&self) -> String {
        format!("fleet-{}", self.suffix)
    }

    fn module(&self, base: &str) -> String {
        self.repo(base).replace('-', "_")
    }
}

/// One artifact of `flotilla status --json`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Artifact {
    repo: String,
    kind: String,
    name: String,
    version: String,
    digest: String,
}

fn recorded_artifacts(fleet: &Sandbox) -> Vec<Artifact> {
    let status = fleet.flotilla(&["status", "--json"]).success().json();
    let mut all = Vec::new();
    for repo in status.as_array().unwrap() {
        for artifact in repo["artifacts"].as_array().unwrap() {
            all.push(Artifact {
                repo: repo["repo"].as_str().unwrap().to_owned(),
                kind: artifact["kind"].as_str().unwrap().to_owned(),
                name: artifact["name"].as_str().unwrap().to_owned(),
                version: artifact["version"].as_str().unwrap().to_owned(),
                digest: artifact["digest"].as_str().unwrap().to_owned(),
            });
        }
    }
    all.sort();
    all
}

fn find<'a>(artifacts: &'a [Artifact], repo: &str, kind: &str, version: &str) -> &'a Artifact {
    artifacts
        .iter()
        .find(|a| a.repo == repo && a.kind == kind && a.version == version)
        .unwrap_or_else(|| panic!("no {kind} {version} of {repo} recorded in {artifacts:#?}"))
}

/// Every category's artifacts of an rc and of the final, on the three servers, checked with
/// skopeo, pip, npm and the OCI API.
#[test]
fn a_train_publishes_every_category_to_real_registries_and_independent_clients_agree() {
    let Some(registries) = Registries::get() else {
        return;
    };
    let n = Named::new();
    let (core, ui, console, identity, plugin, ctl) = (
        n.repo("core"),
        n.repo("ui"),
        n.repo("console"),
        n.repo("identity"),
        n.repo("plugin-bot"),
        n.repo("ctl"),
    );
    let fleet = fleet()
        .setting(&format!("image_namespace: {}", n.namespace()))
        .section(&registries.section(&n.namespace()))
        .repo(&core, "backend-core")
        .repo(&ui, "frontend-core")
        .repo(&console, "frontend")
        .depends_on(&[&ui])
        .repo(&identity, "backend")
        .depends_on(&[&core])
        .repo(&plugin, "plugin")
        .repo(&ctl, "tool")
        .depends_on(&[&core])
        .build();

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    let all = [&core, &ui, &console, &identity, &plugin, &ctl];
    let succeeded: Vec<(&str, &str)> = all.iter().map(|r| (r.as_str(), "succeeded")).collect();
    assert_eq!(run_states(&out.json()), states(&succeeded));
    check_release(&fleet, &registries, &n, "1.0.0rc1", "1.0.0-rc.1");

    // A package's first version takes `latest` whatever its tag (verdaccio and npmjs both set
    // it, and verdaccio ignores its removal), so "never an rc" is checked below, once a final
    // exists.
    let tags = npm_dist_tags(&registries.npm, &ui);
    assert_eq!(tags.get("rc").map(String::as_str), Some("1.0.0-rc.1"));

    let out = fleet
        .flotilla(&["release", "final", "1.0.0", "--json"])
        .success();
    assert_eq!(run_states(&out.json()), states(&succeeded));
    check_release(&fleet, &registries, &n, "1.0.0", "1.0.0");

    let tags = npm_dist_tags(&registries.npm, &ui);
    assert_eq!(tags.get("latest").map(String::as_str), Some("1.0.0"));
    assert_eq!(
        tags.get("rc"),
        None,
        "the final removes the `rc` dist-tag it supersedes"
    );
    assert_eq!(
        npm_install_and_require(&registries.npm, &ui, &ui).unwrap(),
        ("1.0.0".to_owned(), ui.clone()),
        "`npm install {ui}` gets the final"
    );

    // The next line's release candidate moves `rc` and leaves `latest` on the final.
    fleet
        .flotilla(&["release", "start", "1.1.0", "--repo", &ui])
        .success();
    let tags = npm_dist_tags(&registries.npm, &ui);
    assert_eq!(tags.get("latest").map(String::as_str), Some("1.0.0"));
    assert_eq!(tags.get("rc").map(String::as_str), Some("1.1.0-rc.1"));
    assert_eq!(
        npm_install_and_require(&registries.npm, &ui, &ui).unwrap(),
        ("1.0.0".to_owned(), ui.clone()),
        "`npm install {ui}` never gets a release candidate"
    );
    assert_eq!(
        npm_install_and_require(&registries.npm, &format!("{ui}@1.1.0-rc.1"), &ui).unwrap(),
        ("1.1.0-rc.1".to_owned(), ui.clone()),
    );
}

/// Checks one version of every artifact of the fleet of
/// [`a_train_publishes_every_category_to_real_registries_and_independent_clients_agree`]:
/// `version` is flotilla's (and the image tag), `semver` the npm and chart version.
fn check_release(fleet: &Sandbox, registries: &Registries, n: &Named, version: &str, semver: &str) {
    let artifacts = recorded_artifacts(fleet);
    let host = registries.oci_host();

    // Images: the digest flotilla recorded is what skopeo sees, and skopeo can copy it out.
    let images = [
        ("console", "console"),
        ("identity", "identity"),
        ("plugin-bot", "bot"),
        ("ctl", "ctl"),
    ];
    for (repo, image) in images {
        let recorded = find(&artifacts, &n.repo(repo), "image", version);
        assert_eq!(
            recorded.name,
            format!("{}/{}", n.namespace(), n.repo(image)),
            "the image is named after the namespace and the repository"
        );
        let reference = format!("{}:{version}", recorded.name);
        let inspected = skopeo_inspect(host, &reference);
        assert_eq!(inspected["Digest"], recorded.digest.as_str(), "{reference}");
        assert_eq!(
            inspected["Labels"]["org.opencontainers.image.version"], version,
            "{reference}"
        );
        let layout = tempfile::tempdir().unwrap();
        let dest = format!("oci:{}:{version}", layout.path().display());
        run(Command::new("skopeo").args([
            "copy",
            "--quiet",
            "--src-tls-verify=false",
            &format!("docker://{host}/{reference}"),
            &dest,
        ]));
        let copied: Value =
            serde_json::from_str(&run(Command::new("skopeo").args(["inspect", &dest]))).unwrap();
        assert_eq!(
            copied["Digest"],
            recorded.digest.as_str(),
            "copy of {reference}"
        );
    }

    // Python: pip installs each distribution from the index and imports it; flotilla's digest
    // is one of the files the index lists.
    for repo in ["core", "identity", "ctl"] {
        let name = n.repo(repo);
        let recorded: Vec<&Artifact> = artifacts
            .iter()
            .filter(|a| a.repo == name && a.kind == "python" && a.version == version)
            .collect();
        assert_eq!(
            recorded.len(),
            2,
            "a wheel and an sdist of {name}: {recorded:#?}"
        );
        let page = String::from_utf8(
            http_get(&format!("{}/simple/{name}/", registries.pypi), "text/html").unwrap(),
        )
        .unwrap();
        for artifact in &recorded {
            let hex = artifact.digest.strip_prefix("sha256:").unwrap();
            assert!(
                page.contains(hex),
                "{name}: the index lists no file with {hex}:\n{page}"
            );
        }
        assert_eq!(
            pip_install_and_import(&registries.pypi, &name, version, &n.module(repo)),
            format!("{version} {name}"),
        );
    }

    // npm: installed at its SemVer from the registry and required; the tarball the registry
    // serves has the digest flotilla recorded and the integrity npm checks.
    let ui = n.repo("ui");
    let recorded = find(&artifacts, &ui, "npm", semver);
    let (installed, required) =
        npm_install_and_require(&registries.npm, &format!("{ui}@{semver}"), &ui).unwrap();
    assert_eq!(
        (installed.as_str(), required.as_str()),
        (semver, ui.as_str())
    );
    let packument = http_json(&format!("{}/{ui}", registries.npm)).unwrap();
    let dist = &packument["versions"][semver]["dist"];
    let tarball = tempfile::NamedTempFile::new().unwrap();
    fs::write(
        tarball.path(),
        http_get(
            dist["tarball"].as_str().unwrap(),
            "application/octet-stream",
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        format!("sha256:{}", sha256_hex(tarball.path())),
        recorded.digest,
        "{ui}@{semver}"
    );
    assert_eq!(
        dist["integrity"].as_str(),
        Some(sri_sha512(tarball.path()).as_str()),
        "{ui}@{semver}"
    );

    // Charts: read through the OCI API, with the release's SemVer and the image's version.
    for repo in ["console", "identity"] {
        let chart = n.repo(repo);
        let recorded = find(&artifacts, &chart, "chart", semver);
        let name = format!("{}/charts/{chart}", n.namespace());
        let tag = semver.replace('+', "_");
        assert_eq!(
            oci_digest(&registries.oci, &name, &tag),
            recorded.digest,
            "{name}:{tag}"
        );
        let chart_yaml = fetch_chart(&registries.oci, &name, &tag, &chart);
        assert_eq!(yaml_field(&chart_yaml, "name"), Some(chart.as_str()));
        assert_eq!(
            yaml_field(&chart_yaml, "version"),
            Some(semver),
            "{chart_yaml}"
        );
        assert_eq!(
            yaml_field(&chart_yaml, "appVersion"),
            Some(version),
            "{chart_yaml}"
        );
    }
}

/// Running a finished train again — `resume`, and the same request — publishes nothing: every
/// registry holds exactly what it held.
#[test]
fn rerunning_a_finished_train_publishes_nothing() {
    let Some(registries) = Registries::get() else {
        return;
    };
    let n = Named::new();
    let (core, ui, console) = (n.repo("core"), n.repo("ui"), n.repo("console"));
    let fleet = fleet()
        .setting(&format!("image_namespace: {}", n.namespace()))
        .section(&registries.section(&n.namespace()))
        .repo(&core, "backend-core")
        .repo(&ui, "frontend-core")
        .repo(&console, "frontend")
        .depends_on(&[&ui])
        .build();
    let oci = [
        format!("{}/{console}", n.namespace()),
        format!("{}/charts/{console}", n.namespace()),
    ];
    let take = || {
        RegistryState::take(
            &registries,
            &oci,
            std::slice::from_ref(&core),
            std::slice::from_ref(&ui),
        )
    };

    for (request, second, tag) in [
        (
            ["release", "start", "1.0.0", "--json"],
            ["release", "start", "1.0.0"],
            "1.0.0rc1",
        ),
        (
            ["release", "final", "1.0.0", "--json"],
            ["release", "final", "1.0.0"],
            "1.0.0",
        ),
    ] {
        let train = fleet.flotilla(&request).success().json()["train"]
            .as_str()
            .unwrap()
            .to_owned();
        let published = take();
        assert!(published.oci[&oci[0]].contains_key(tag), "{published:#?}");
        assert!(
            published.pypi[&core].contains(&format!("-{tag}.tar.gz")),
            "{published:#?}"
        );
        let refs = fleet.snapshot().refs;

        fleet.flotilla(&["release", "resume", &train]).success();
        assert_eq!(
            take(),
            published,
            "`release resume {train}` publishes nothing"
        );

        fleet.flotilla(&second).success();
        assert_eq!(
            take(),
            published,
            "`{}` again publishes nothing",
            second.join(" ")
        );
        assert_eq!(fleet.snapshot().refs, refs, "and changes no git ref");
    }
}

/// The registry goes down while a train runs: the train fails after its retries with an error
/// that names the registry, `release status` records it, and once the registry is back
/// `resume` finishes the train without pushing anything a second time.
#[test]
fn a_registry_down_mid_train_fails_the_train_and_resume_completes_it_publishing_nothing_twice() {
    let Some(mut registry) = own_oci_registry(None) else {
        return;
    };
    let n = Named::new();
    let (slow, fast) = (n.repo("slow"), n.repo("fast"));
    let started_var = "FLOTILLA_E2E_STARTED";
    let release_var = "FLOTILLA_E2E_RELEASE";
    let url = registry.url("");
    let mut fleet = fleet()
        .setting(&format!("image_namespace: {}", n.namespace()))
        .section(&format!(
            "registries:\n  images: {{kind: image, url: {url}, insecure: true}}\n  \
             charts: {{kind: chart, url: {url}/charts, insecure: true}}\n"
        ))
        .repo(&slow, "frontend")
        .file(
            "scripts/build.sh",
            &waits_for_file(started_var, release_var),
        )
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .repo(&fast, "frontend")
        .build();
    let started = fleet.outside("started");
    let release = fleet.outside("release");
    fleet.set_env(started_var, &started);
    fleet.set_env(release_var, &release);
    let slow_image = format!("{}/{slow}", n.namespace());
    let fast_image = format!("{}/{fast}", n.namespace());

    let args = ["release", "start", "1.0.0", "--json"];
    let mut child = fleet.spawn(&args);
    wait::for_file_from(
        &PathBuf::from(format!("{}.{slow}", started.display())),
        &mut child,
    );
    // `fast` has no command to wait for: its run finishes (image and chart in the registry)
    // while `slow` builds. Its chart tag shows before its step ends, so the run's recorded
    // state is what tells the registry may go.
    wait::while_running(&mut child, &format!("{fast} to finish"), || {
        let status = fleet.flotilla(&["release", "status", "--json"]);
        (status.code == Some(0)
            && run_states(&status.json()).get(&fast).map(String::as_str) == Some("succeeded"))
        .then_some(())
    });
    assert!(!oci_tags(&url, &format!("charts/{fast}")).is_empty());
    registry.stop();
    let stopped_at = Instant::now();
    fs::write(&release, "go\n").unwrap();

    let failed = fleet.finish(child, &args).failure();
    let retried_for = stopped_at.elapsed();
    let summary = failed.json();
    let train = summary["train"].as_str().unwrap().to_owned();
    assert_eq!(
        run_states(&summary),
        states(&[(&fast, "succeeded"), (&slow, "failed")]),
        "{failed}"
    );
    let status = fleet
        .flotilla(&["release", "status", &train, "--json"])
        .success()
        .json();
    let error = status["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == slow.as_str())
        .unwrap()["error"]
        .as_str()
        .unwrap()
        .to_owned();
    let address = format!("127.0.0.1:{}", registry.port);
    assert!(
        error.contains(&address) && error.contains("publish"),
        "the recorded error names the step and the registry: {error}"
    );
    assert!(
        failed
            .stderr
            .contains(&format!("flotilla release resume {train}")),
        "stderr tells how to continue:\n{failed}"
    );
    #[allow(clippy::print_stderr)]
    {
        eprintln!("the train gave up {retried_for:?} after the registry stopped: {error}");
    }

    registry.restart();
    let resumed = fleet
        .flotilla(&["release", "resume", &train, "--json"])
        .success()
        .json();
    assert_eq!(
        run_states(&resumed),
        states(&[(&fast, "succeeded"), (&slow, "succeeded")])
    );
    for (image, chart) in [(&slow_image, &slow), (&fast_image, &fast)] {
        assert_eq!(oci_tags(&url, image), ["1.0.0rc1"]);
        assert_eq!(oci_tags(&url, &format!("charts/{chart}")), ["1.0.0-rc.1"]);
    }
    let log = registry.log();
    for (name, tag) in [
        (&slow_image, "1.0.0rc1"),
        (&fast_image, "1.0.0rc1"),
        (&format!("charts/{slow}"), "1.0.0-rc.1"),
        (&format!("charts/{fast}"), "1.0.0-rc.1"),
    ] {
        assert_eq!(
            count_requests(&log, "PUT", &format!("/v2/{name}/manifests/{tag}")),
            1,
            "{name}:{tag} was pushed once:\n{}",
            requests(&log)
        );
        let uploads = uploaded_digests(&log, name);
        let mut once = uploads.clone();
        once.dedup();
        assert_eq!(
            uploads,
            once,
            "{name}: a blob uploaded twice:\n{}",
            requests(&log)
        );
        assert_eq!(
            uploads.len(),
            manifest_blob_count(&url, name, tag),
            "{name}: every blob uploaded once:\n{}",
            requests(&log)
        );
    }
}
