//! npm packages built by the package's own `npm pack` (its `prepack` script, its `files` list)
//! and charts packaged with the release's image tag pinned in `values.yaml` and their vendored
//! subcharts, checked with npm, node, tar and PyYAML rather than with flotilla's view.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{Sandbox, fleet, run_states, states};
use flotilla_testkit::Registries;
use flotilla_testkit::services::unique;

/// A package shaped like the platform's frontend libraries: `prepack` builds `dist/` (reading
/// the version npm packs from package.json), `files` publishes only `dist/` (and npm's
/// README), and sources, scripts and notes stay home; `dist/` is git-ignored, as built output is.
fn built_package(name: &str, build: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "package.json",
            format!(
                "{{\n  \"name\": \"{name}\",\n  \"version\": \"0.0.0-development\",\n  \
                 \"description\": \"A library built before it is packed\",\n  \
                 \"main\": \"dist/index.js\",\n  \"files\": [\"dist\"],\n  \
                 \"scripts\": {{\n    \"prepack\": \"node scripts/build.js\"\n  }}\n}}\n"
            ),
        ),
        ("scripts/build.js", build.to_owned()),
        (
            "src/index.js",
            "module.exports = { source: true };\n".to_owned(),
        ),
        ("NOTES.txt", "not for the package\n".to_owned()),
        // As in the platform's frontends: the build's output is never committed.
        (".gitignore", "dist/\nnode_modules/\n".to_owned()),
    ]
}

/// Writes `dist/index.js` exporting the package's name, the version it was built as, and what
/// its environment held of flotilla's version and of a secret flotilla holds.
const BUILD: &str = "const fs = require('fs');\n\
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));\n\
    fs.mkdirSync('dist', { recursive: true });\n\
    fs.writeFileSync('dist/index.js', 'module.exports = ' + JSON.stringify({ name: pkg.name, \
    built: pkg.version, semver: process.env.FLOTILLA_SEMVER || null, \
    token: process.env.FLOTILLA_API_TOKEN || null }) + ';\\n');\n\
    console.log('built ' + pkg.version);\n";

fn npm(project: &Path, args: &[&str]) -> std::process::Output {
    Command::new("npm")
        .current_dir(project)
        .env("npm_config_cache", project.join(".npm-cache"))
        .env("npm_config_update_notifier", "false")
        .args(args)
        .args(["--no-audit", "--no-fund", "--loglevel=error"])
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A fresh project with `spec` installed from `registry`: its directory.
fn install_from(registry: &str, spec: &str) -> tempfile::TempDir {
    let project = tempfile::tempdir().unwrap();
    fs::write(
        project.path().join("package.json"),
        "{\"name\": \"consumer\", \"version\": \"1.0.0\", \"private\": true}\n",
    )
    .unwrap();
    let out = npm(project.path(), &["install", spec, "--registry", registry]);
    assert!(
        out.status.success(),
        "npm install {spec}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    project
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

/// sha256 of `bytes` in hex, by sha256sum.
fn sha256_hex(bytes: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    fs::write(file.path(), bytes).unwrap();
    let out = Command::new("sha256sum").arg(file.path()).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// The release of a package with a build script, from verdaccio: `npm install` gets what its
/// `prepack` built at the release's version, and only the files its `files` list names.
#[test]
fn npm_pack_runs_the_packages_build_and_the_registry_serves_what_it_packed() {
    let Some(registries) = Registries::get() else {
        return;
    };
    let name = unique("ui-kit");
    let mut builder = fleet()
        .section(&format!(
            "registries:\n  npm: {{kind: npm, url: {}, insecure: true}}",
            registries.npm
        ))
        .repo(&name, "frontend-core")
        .repo_yaml("npm: {binary: npm}");
    for (path, content) in built_package(&name, BUILD) {
        builder = builder.file(path, &content);
    }
    let mut fleet = builder.build();
    fleet.set_env("FLOTILLA_API_TOKEN", "api-token-never-for-builds");

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    assert_eq!(
        run_states(&out.json()),
        states(&[(name.as_str(), "succeeded")])
    );

    let project = install_from(&registries.npm, &format!("{name}@1.0.0-rc.1"));
    let required = Command::new("node")
        .current_dir(project.path())
        .args([
            "-e",
            &format!("console.log(JSON.stringify(require({name:?})))"),
        ])
        .output()
        .unwrap();
    assert!(required.status.success(), "{required:?}");
    let exported: Value = serde_json::from_slice(&required.stdout).unwrap();
    assert_eq!(
        exported,
        serde_json::json!({
            "name": name,
            "built": "1.0.0-rc.1",
            "semver": "1.0.0-rc.1",
            "token": null,
        }),
        "the built file, built after the version was set, without flotilla's secrets"
    );
    let installed = project.path().join("node_modules").join(&name);
    assert_eq!(
        files_under(&installed),
        ["README.md", "dist/index.js", "package.json"],
        "only `files` (and npm's README) are packed: no sources, scripts, notes or index.js"
    );
    let manifest: Value =
        serde_json::from_str(&fs::read_to_string(installed.join("package.json")).unwrap()).unwrap();
    assert_eq!(manifest["version"], "1.0.0-rc.1");
    assert_eq!(manifest["scripts"]["prepack"], "node scripts/build.js");

    // What flotilla recorded is the tarball the registry serves, with npm's own integrity.
    let packument: Value = serde_json::from_slice(
        &Command::new("curl")
            .args(["-sf", &format!("{}/{name}", registries.npm)])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let dist = &packument["versions"]["1.0.0-rc.1"]["dist"];
    let tarball = Command::new("curl")
        .args(["-sf", dist["tarball"].as_str().unwrap()])
        .output()
        .unwrap()
        .stdout;
    let status = fleet.flotilla(&["status", "--json"]).success().json();
    let recorded = status[0]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "npm")
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(recorded, format!("sha256:{}", sha256_hex(&tarball)));
    let view = npm(
        project.path(),
        &[
            "view",
            &format!("{name}@1.0.0-rc.1"),
            "dist.integrity",
            "--registry",
            &registries.npm,
        ],
    );
    let packed = Command::new("tar")
        .args(["-tzf", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut tar| {
            use std::io::Write as _;
            tar.stdin.take().unwrap().write_all(&tarball)?;
            tar.wait_with_output()
        })
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&packed.stdout).lines().count(),
        3,
        "{}",
        String::from_utf8_lossy(&packed.stdout)
    );
    assert!(
        String::from_utf8_lossy(&view.stdout)
            .trim()
            .starts_with("sha512-"),
        "{view:?}"
    );

    // Packing the same commit again (a republish) gives the same bytes: nothing changes.
    fleet
        .flotilla(&["release", "tag", "1.0.0rc1", "--republish"])
        .success();
}

/// A build that writes other bytes each time cannot be republished: the registry holds the
/// first tarball, and the error says why the second differs.
#[test]
fn a_package_whose_build_is_not_reproducible_is_refused_on_republish_with_the_reason() {
    let build = "const fs = require('fs');\nfs.mkdirSync('dist', { recursive: true });\n\
                 fs.writeFileSync('dist/index.js', 'module.exports = ' + \
                 JSON.stringify(process.hrtime.bigint().toString()) + ';\\n');\n";
    let mut builder = fleet().repo("stamp", "frontend-core");
    for (path, content) in built_package("stamp", build) {
        builder = builder.file(path, &content);
    }
    let fleet = builder.build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    let out = fleet
        .flotilla(&["release", "tag", "1.0.0rc1", "--republish"])
        .failure();
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(
        text.contains("already published") && text.contains("not reproducible"),
        "{text}"
    );
}

/// A failing `prepack` fails the publish with npm's own words, and nothing is published.
#[test]
fn a_failing_package_build_fails_the_run_with_npms_output() {
    let build = "console.error('cannot find the design tokens'); process.exit(3);\n";
    let mut builder = fleet().repo("broken", "frontend-core");
    for (path, content) in built_package("broken", build) {
        builder = builder.file(path, &content);
    }
    let fleet = builder.build();
    let out = fleet.flotilla(&["release", "start", "1.0.0"]).failure();
    let status = fleet.flotilla(&["release", "status"]).stdout;
    let text = format!("{}{}{status}", out.stdout, out.stderr);
    assert!(
        text.contains("npm pack") && text.contains("cannot find the design tokens"),
        "{text}"
    );
    assert!(
        !fleet.artifacts().join("npm").join("broken.json").exists(),
        "nothing published"
    );
}

const CHART_YAML: &str = "apiVersion: v2\nname: NAME\ndescription: SpaceONE NAME Helm chart\n\
    type: application\n# bumped by the release\nversion: 0.1.0\nappVersion: 1.x.y\n\
    dependencies:\n  - name: redis\n    version: 1.2.0\n    repository: file://charts/redis\n";

const VALUES: &str = "###############################\n# DEFAULT\n###############################\n\
    enabled: true\nname: NAME\nimage:\n  name: spaceone/NAME\n  tag: latest   # pinned at release\n\
    imagePullPolicy: IfNotPresent\nsidecar:\n  image:\n    name: nginx\n    tag: stable\n";

/// A chart-only repository `name` with values and a vendored `redis` subchart; `image_tag_key`
/// set in its manifest entry when given.
fn chart_repo(
    fleet: flotilla_testkit::Fleet,
    name: &str,
    vendored: bool,
) -> flotilla_testkit::Fleet {
    let mut fleet = fleet
        .repo(name, "charts")
        .repo_yaml("chart: {image_tag_key: image.tag}")
        .file("deploy/helm/Chart.yaml", &CHART_YAML.replace("NAME", name))
        .file("deploy/helm/values.yaml", &VALUES.replace("NAME", name))
        .file(
            "deploy/helm/templates/deployment.yaml",
            "image: \"{{ .Values.image.name }}:{{ .Values.image.tag }}\"\n",
        );
    if vendored {
        fleet = fleet
            .file(
                "deploy/helm/charts/redis/Chart.yaml",
                "apiVersion: v2\nname: redis\nversion: 1.2.0\nappVersion: \"7.0\"\n",
            )
            .file("deploy/helm/charts/redis/values.yaml", "port: 6379\n")
            .file(
                "deploy/helm/charts/redis/templates/service.yaml",
                "port: {{ .Values.port }}\n",
            );
    }
    fleet
}

fn chart_fleet() -> flotilla_testkit::Fleet {
    fleet()
        .section(
            "categories:\n  charts:\n    publishes: {image: false, python: false, npm: false, \
             chart: true}",
        )
        .section("registries:\n  charts: {kind: chart, url: public/charts}")
}

/// `values.yaml` read by PyYAML, as JSON.
fn yaml(path: &Path) -> Value {
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn untar(package: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(package)
        .arg("-C")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

fn check_chart(sandbox: &Sandbox, name: &str, semver: &str, tag: &str) {
    let package = sandbox
        .root()
        .join("public/charts")
        .join(format!("{name}-{semver}.tgz"));
    let unpacked = untar(&package);
    let chart = unpacked.path().join(name);
    let meta = yaml(&chart.join("Chart.yaml"));
    assert_eq!(meta["version"], semver);
    assert_eq!(meta["appVersion"], tag);
    let values = yaml(&chart.join("values.yaml"));
    assert_eq!(values["image"]["tag"], tag, "the image tag is pinned");
    assert_eq!(values["image"]["name"], format!("spaceone/{name}"));
    assert_eq!(
        values["sidecar"]["image"]["tag"], "stable",
        "other tags stay"
    );
    assert_eq!(
        fs::read_to_string(chart.join("values.yaml")).unwrap(),
        VALUES
            .replace("NAME", name)
            .replace("tag: latest", &format!("tag: {tag}")),
        "only the tag's bytes change: comments and layout stay"
    );
    let files = files_under(unpacked.path());
    for file in [
        "charts/redis/Chart.yaml",
        "charts/redis/values.yaml",
        "charts/redis/templates/service.yaml",
        "templates/deployment.yaml",
    ] {
        assert!(
            files.contains(&format!("{name}/{file}")),
            "{file} in {files:?}"
        );
    }
    let index = yaml(&sandbox.root().join("public/charts/index.yaml"));
    assert!(
        index["entries"][name]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["version"] == semver),
        "{index}"
    );
}

/// A chart released as an rc and a final: each package has the release's version, its image
/// tag pinned in values.yaml at the configured key, and its vendored subchart.
#[test]
fn a_released_chart_pins_its_image_tag_and_carries_its_subchart() {
    let sandbox = chart_repo(chart_fleet(), "identity", true).build();
    sandbox.flotilla(&["release", "start", "1.0.0"]).success();
    check_chart(&sandbox, "identity", "1.0.0-rc.1", "1.0.0rc1");
    sandbox.flotilla(&["release", "final", "1.0.0"]).success();
    check_chart(&sandbox, "identity", "1.0.0", "1.0.0");
    assert_eq!(
        sandbox
            .show("identity", "v1.0.0", "deploy/helm/values.yaml")
            .unwrap(),
        VALUES.replace("NAME", "identity"),
        "the repository keeps its values: only the package is pinned"
    );
}

/// A dependency that is not vendored is refused before anything is published, saying how to
/// vendor it.
#[test]
fn a_chart_dependency_not_vendored_fails_with_the_way_to_vendor_it() {
    let sandbox = chart_repo(chart_fleet(), "inventory", false).build();
    let out = sandbox.flotilla(&["release", "start", "1.0.0"]).failure();
    let status = sandbox.flotilla(&["release", "status"]).stdout;
    let text = format!("{}{}{status}", out.stdout, out.stderr);
    assert!(
        text.contains("redis") && text.contains("helm dependency build"),
        "{text}"
    );
    assert!(!sandbox.root().join("public/charts/index.yaml").exists());
}

/// The default key is the platform's `image.version`: a chart that has it gets it pinned
/// without any setting.
#[test]
fn the_default_image_tag_key_is_the_platforms_image_version() {
    let sandbox = fleet()
        .section(
            "categories:\n  charts:\n    publishes: {image: false, python: false, npm: false, \
             chart: true}",
        )
        .section("registries:\n  charts: {kind: chart, url: public/charts}")
        .repo("config", "charts")
        .file(
            "deploy/helm/Chart.yaml",
            "apiVersion: v2\nname: config\nversion: 0.1.0\nappVersion: 1.x.y\n",
        )
        .file(
            "deploy/helm/values.yaml",
            "image:\n  name: spaceone/config\n  version: latest\n",
        )
        .build();
    sandbox.flotilla(&["release", "start", "2.1.0"]).success();
    let unpacked = untar(&sandbox.root().join("public/charts/config-2.1.0-rc.1.tgz"));
    assert_eq!(
        fs::read_to_string(unpacked.path().join("config/values.yaml")).unwrap(),
        "image:\n  name: spaceone/config\n  version: 2.1.0rc1\n"
    );
}

/// The same chart pushed to docker-registry as an OCI artifact: the layer pulled through the
/// registry API (as `helm pull oci://…` does) holds the pinned values and the subchart.
#[test]
fn a_chart_pushed_to_an_oci_registry_carries_the_pinned_tag_and_the_subchart() {
    let Some(registries) = Registries::get() else {
        return;
    };
    let namespace = unique("charts");
    let sandbox = chart_repo(
        fleet()
            .section(
                "categories:\n  charts:\n    publishes: {image: false, python: false, npm: \
                 false, chart: true}",
            )
            .section(&format!(
                "registries:\n  charts: {{kind: chart, url: {}/{namespace}, insecure: true}}",
                registries.oci
            )),
        "identity",
        true,
    )
    .build();
    sandbox.flotilla(&["release", "start", "1.3.0"]).success();

    let curl = |url: &str, accept: &str| {
        let out = Command::new("curl")
            .args(["-sf", "-H", &format!("Accept: {accept}"), url])
            .output()
            .unwrap();
        assert!(out.status.success(), "GET {url}: {out:?}");
        out.stdout
    };
    let manifest: Value = serde_json::from_slice(&curl(
        &format!(
            "{}/v2/{namespace}/identity/manifests/1.3.0-rc.1",
            registries.oci
        ),
        "application/vnd.oci.image.manifest.v1+json",
    ))
    .unwrap();
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    let blob = curl(
        &format!("{}/v2/{namespace}/identity/blobs/{layer}", registries.oci),
        "application/octet-stream",
    );
    assert_eq!(format!("sha256:{}", sha256_hex(&blob)), layer);
    let file = tempfile::NamedTempFile::new().unwrap();
    fs::write(file.path(), &blob).unwrap();
    let unpacked = untar(file.path());
    let chart = unpacked.path().join("identity");
    let meta = yaml(&chart.join("Chart.yaml"));
    assert_eq!(
        (meta["version"].as_str(), meta["appVersion"].as_str()),
        (Some("1.3.0-rc.1"), Some("1.3.0rc1"))
    );
    assert_eq!(yaml(&chart.join("values.yaml"))["image"]["tag"], "1.3.0rc1");
    assert_eq!(
        yaml(&chart.join("charts/redis/Chart.yaml"))["version"],
        "1.2.0"
    );
}

/// A package.json naming another package than the manifest, and an npm client that is not
/// there, fail the publish before anything is packed, each saying what to change.
#[test]
fn a_misnamed_package_or_a_missing_npm_fails_with_what_to_change() {
    let sandbox = fleet()
        .repo("design", "frontend-core")
        .repo_yaml("npm: {name: design-system}")
        .repo("tokens", "frontend-core")
        .repo_yaml("npm: {binary: /nonexistent/bin/npm}")
        .build();
    let out = sandbox.flotilla(&["release", "start", "1.0.0"]).failure();
    let status = sandbox.flotilla(&["release", "status"]).stdout;
    let text = format!("{}{}{status}", out.stdout, out.stderr);
    assert!(
        text.contains(
            "names the package \"design\", but the manifest publishes it as `design-system`"
        ),
        "{text}"
    );
    assert!(
        text.contains("/nonexistent/bin/npm") && text.contains("npm.binary"),
        "{text}"
    );
    assert!(
        !sandbox.artifacts().join("npm").exists(),
        "nothing published"
    );
}
