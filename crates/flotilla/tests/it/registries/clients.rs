//! The independent clients that check what flotilla published: curl on the registries' own
//! APIs, skopeo, pip in fresh virtual environments, npm in fresh projects.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use flotilla_testkit::Registries;
pub use flotilla_testkit::run;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const HELM_CONFIG: &str = "application/vnd.cncf.helm.config.v1+json";
const HELM_CONTENT: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

/// GET `url` with `accept`; the body, or `None` on a 404.
pub fn http_get(url: &str, accept: &str) -> Option<Vec<u8>> {
    let output = Command::new("curl")
        .args(["-sS", "-L", "-w", "\n%{http_code}", "-H"])
        .arg(format!("Accept: {accept}"))
        .arg(url)
        .output()
        .unwrap();
    assert!(output.status.success(), "curl {url} failed: {output:?}");
    let mut body = output.stdout;
    let split = body.iter().rposition(|b| *b == b'\n').unwrap();
    let code = String::from_utf8_lossy(&body[split + 1..]).into_owned();
    body.truncate(split);
    match code.as_str() {
        "404" => None,
        "200" => Some(body),
        other => panic!(
            "GET {url} answered {other}:\n{}",
            String::from_utf8_lossy(&body)
        ),
    }
}

pub fn http_json(url: &str) -> Option<Value> {
    http_get(url, "application/json").map(|b| serde_json::from_slice(&b).unwrap())
}

pub fn skopeo_inspect(host: &str, reference: &str) -> Value {
    let out = run(Command::new("skopeo").args([
        "inspect",
        "--tls-verify=false",
        &format!("docker://{host}/{reference}"),
    ]));
    serde_json::from_str(&out).unwrap()
}

/// The tags of a repository of the OCI registry, sorted; empty when it does not exist.
pub fn oci_tags(registry: &str, name: &str) -> Vec<String> {
    let mut tags: Vec<String> = http_json(&format!("{registry}/v2/{name}/tags/list"))
        .and_then(|list| list["tags"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    tags.sort();
    tags
}

/// The digest a tag points to, from the registry's `Docker-Content-Digest`.
pub fn oci_digest(registry: &str, name: &str, tag: &str) -> String {
    let out = run(Command::new("curl")
        .args(["-sS", "-f", "-I", "-H"])
        .arg(format!("Accept: {OCI_MANIFEST}"))
        .arg(format!("{registry}/v2/{name}/manifests/{tag}")));
    out.lines()
        .find_map(|l| {
            let (key, value) = l.split_once(':')?;
            key.eq_ignore_ascii_case("docker-content-digest")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no digest for {name}:{tag}:\n{out}"))
}

pub fn sha256_hex(path: &Path) -> String {
    run(Command::new("sha256sum").arg(path))
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// `sha512-BASE64` of a file (npm's `integrity`), computed by Python's hashlib.
pub fn sri_sha512(path: &Path) -> String {
    let script = "import base64, hashlib, sys\n\
                  digest = hashlib.sha512(open(sys.argv[1], 'rb').read()).digest()\n\
                  print('sha512-' + base64.b64encode(digest).decode())";
    run(Command::new("python3").args(["-c", script]).arg(path))
        .trim()
        .to_owned()
}

/// Installs `name==version` from the index with pip into a fresh virtual environment, imports
/// `module` there and returns `"<installed version> <module.NAME>"`.
pub fn pip_install_and_import(index: &str, name: &str, version: &str, module: &str) -> String {
    let venv = tempfile::tempdir().unwrap();
    run(Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(venv.path()));
    // Creating a venv with its own pip takes seconds; pip's `--python` installs into this one
    // from outside.
    let python = venv.path().join("bin/python");
    run(Command::new("python3")
        .args([
            "-m",
            "pip",
            "--python",
            &python.display().to_string(),
            "install",
            "--quiet",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--index-url",
            &format!("{index}/simple/"),
        ])
        .arg(format!("{name}=={version}")));
    run(Command::new(&python).args([
        "-c",
        &format!(
            "import importlib.metadata as m, {module}\nprint(m.version({name:?}), {module}.NAME)"
        ),
    ]))
    .trim()
    .to_owned()
}

/// A fresh npm project with its own cache, for installs that must come from the registry.
fn npm_project() -> tempfile::TempDir {
    let project = tempfile::tempdir().unwrap();
    fs::write(
        project.path().join("package.json"),
        "{\"name\": \"consumer\", \"version\": \"1.0.0\", \"private\": true}\n",
    )
    .unwrap();
    project
}

fn npm(project: &Path, registry: &str, args: &[&str]) -> std::process::Output {
    Command::new("npm")
        .current_dir(project)
        .env("npm_config_cache", project.join(".npm-cache"))
        .env("npm_config_update_notifier", "false")
        .args(args)
        .args([
            "--registry",
            registry,
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `npm install SPEC` in a fresh project; the installed package's version and what
/// `require(name).name` gives, or npm's error.
pub fn npm_install_and_require(
    registry: &str,
    spec: &str,
    name: &str,
) -> Result<(String, String), String> {
    let project = npm_project();
    let out = npm(project.path(), registry, &["install", spec]);
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let installed: Value = serde_json::from_str(
        &fs::read_to_string(
            project
                .path()
                .join("node_modules")
                .join(name)
                .join("package.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let required = run(Command::new("node")
        .current_dir(project.path())
        .args(["-e", &format!("console.log(require({name:?}).name)")]));
    Ok((
        installed["version"].as_str().unwrap().to_owned(),
        required.trim().to_owned(),
    ))
}

pub fn npm_dist_tags(registry: &str, name: &str) -> BTreeMap<String, String> {
    let project = npm_project();
    let out = npm(
        project.path(),
        registry,
        &["view", name, "dist-tags", "--json"],
    );
    assert!(out.status.success(), "npm view {name}: {out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The chart behind `name:tag` read through the OCI API: the manifest's media types are Helm's,
/// the layer's bytes match its digest, and the tarball holds `CHART/Chart.yaml`, returned.
pub fn fetch_chart(registry: &str, name: &str, tag: &str, chart: &str) -> String {
    let manifest: Value = serde_json::from_slice(
        &http_get(
            &format!("{registry}/v2/{name}/manifests/{tag}"),
            OCI_MANIFEST,
        )
        .unwrap_or_else(|| panic!("no chart manifest {name}:{tag}")),
    )
    .unwrap();
    assert_eq!(manifest["config"]["mediaType"], HELM_CONFIG, "{manifest}");
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{manifest}");
    assert_eq!(layers[0]["mediaType"], HELM_CONTENT, "{manifest}");
    let digest = layers[0]["digest"].as_str().unwrap();
    let blob = http_get(
        &format!("{registry}/v2/{name}/blobs/{digest}"),
        "application/octet-stream",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tarball = dir.path().join("chart.tgz");
    fs::write(&tarball, &blob).unwrap();
    assert_eq!(
        format!("sha256:{}", sha256_hex(&tarball)),
        digest,
        "the layer's bytes match its digest"
    );
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(dir.path()));
    fs::read_to_string(dir.path().join(chart).join("Chart.yaml")).unwrap()
}

pub fn yaml_field<'a>(yaml: &'a str, key: &str) -> Option<&'a str> {
    yaml.lines().find_map(|l| {
        l.strip_prefix(key)?
            .strip_prefix(':')
            .map(|v| v.trim().trim_matches('"').trim_matches('\''))
    })
}

/// The number of blobs (config and layers) of a manifest.
pub fn manifest_blob_count(registry: &str, name: &str, tag: &str) -> usize {
    let manifest: Value = serde_json::from_slice(
        &http_get(
            &format!("{registry}/v2/{name}/manifests/{tag}"),
            OCI_MANIFEST,
        )
        .unwrap(),
    )
    .unwrap();
    1 + manifest["layers"].as_array().unwrap().len()
}

/// Everything the registries hold for a fleet's names: OCI tags with their digests, the PyPI
/// project pages, the npm packuments' versions, integrities, dist-tags and modification times.
#[derive(Debug, PartialEq, Eq)]
pub struct RegistryState {
    pub oci: BTreeMap<String, BTreeMap<String, String>>,
    pub pypi: BTreeMap<String, String>,
    pub npm: BTreeMap<String, Value>,
}

impl RegistryState {
    pub fn take(registries: &Registries, oci: &[String], pypi: &[String], npm: &[String]) -> Self {
        let oci = oci
            .iter()
            .map(|name| {
                let tags = oci_tags(&registries.oci, name)
                    .into_iter()
                    .map(|tag| {
                        let digest = oci_digest(&registries.oci, name, &tag);
                        (tag, digest)
                    })
                    .collect();
                (name.clone(), tags)
            })
            .collect();
        let pypi = pypi
            .iter()
            .map(|name| {
                let page = http_get(&format!("{}/simple/{name}/", registries.pypi), "text/html")
                    .map(|b| String::from_utf8(b).unwrap())
                    .unwrap_or_default();
                (name.clone(), page)
            })
            .collect();
        let npm = npm
            .iter()
            .map(|name| {
                let packument =
                    http_json(&format!("{}/{name}", registries.npm)).unwrap_or(Value::Null);
                let integrities: BTreeMap<String, Value> = packument["versions"]
                    .as_object()
                    .map(|versions| {
                        versions
                            .iter()
                            .map(|(v, doc)| (v.clone(), doc["dist"]["integrity"].clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                let summary = serde_json::json!({
                    "versions": integrities,
                    "dist-tags": packument["dist-tags"],
                    "time": packument["time"],
                });
                (name.clone(), summary)
            })
            .collect();
        Self { oci, pypi, npm }
    }
}
