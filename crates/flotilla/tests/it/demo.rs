//! `flotilla demo`: runs to the end, its summary matches what git, skopeo, pip and npm see, and
//! running it again is safe.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::support::{Sandbox, npm_install, pip_install, sandbox, skopeo_inspect};

/// `sha256:HEX` of every file under `dir`, by path, computed by Python's hashlib.
fn sha256_of_files(dir: &Path) -> BTreeMap<String, String> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import hashlib, os, sys\n\
             for root, _, files in os.walk(sys.argv[1]):\n\
             \x20   for f in files:\n\
             \x20       p = os.path.join(root, f)\n\
             \x20       print(p, 'sha256:' + hashlib.sha256(open(p, 'rb').read()).hexdigest())\n",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(p, d)| (p.to_owned(), d.to_owned()))
        .collect()
}

#[test]
fn demo_summary_matches_the_repositories_and_targets_and_a_rerun_is_safe() {
    let sandbox = sandbox();
    let dir = sandbox.root().display().to_string();

    sandbox.flotilla(&["demo", &dir]).success();

    let status = sandbox.flotilla(&["status", "--json"]).success().json();
    let repos = status.as_array().unwrap();
    assert!(repos.len() >= 12, "the demo fleet has the seed's shape");
    let artifacts = sandbox.artifacts();
    let files = sha256_of_files(&artifacts);
    for repo in repos {
        let name = repo["repo"].as_str().unwrap();
        assert_eq!(
            repo["master_version"].as_str(),
            sandbox
                .show(name, "master", "VERSION")
                .as_deref()
                .map(str::trim),
            "{name}: master version"
        );
        let last_tag = repo["last_tag"].as_str().unwrap();
        assert!(
            sandbox.tags(name).iter().any(|t| t == last_tag),
            "{name}: {last_tag}"
        );
        for artifact in repo["artifacts"].as_array().unwrap() {
            let (kind, artifact_name, version, digest) = (
                artifact["kind"].as_str().unwrap(),
                artifact["name"].as_str().unwrap(),
                artifact["version"].as_str().unwrap(),
                artifact["digest"].as_str().unwrap(),
            );
            if kind == "image" {
                let inspected = skopeo_inspect(&artifacts.join("oci").join(artifact_name), version)
                    .unwrap_or_else(|| panic!("skopeo finds {artifact_name}:{version}"));
                assert_eq!(inspected["Digest"], digest, "{artifact_name}:{version}");
            } else {
                assert!(
                    files.values().any(|d| d == digest),
                    "{kind} {artifact_name} {version}: no file has digest {digest}"
                );
            }
        }
    }
    let simple = artifacts.join("pypi/simple");
    assert_eq!(
        pip_install(&simple, "spaceone-identity", "1.0.0.1"),
        "1.0.0.1"
    );
    let design = npm_install(
        &artifacts.join("npm/spaceone-design-system-1.0.0.tgz"),
        "spaceone-design-system",
    );
    assert_eq!(design["version"], "1.0.0");
    // Master pushes build (and deploy) anew each time; the releases' refs must not move.
    let names: Vec<&str> = repos.iter().map(|r| r["repo"].as_str().unwrap()).collect();
    let release_refs = |sandbox: &Sandbox| {
        let mut refs = sandbox.snapshot().refs;
        refs.retain(|repo, _| names.contains(&repo.as_str()));
        refs
    };
    let refs = release_refs(&sandbox);

    sandbox.flotilla(&["demo", &dir]).success();

    assert_eq!(
        release_refs(&sandbox),
        refs,
        "a second demo moves no ref of the fleet"
    );
}

/// With `--oci`, `--pypi` and `--npm`, the commands the demo prints to look at its work name
/// those servers, not the embedded directories it did not use, and they work: each is run here
/// as printed (pip and npm install into a scratch directory).
#[test]
fn the_demo_on_servers_prints_check_commands_for_those_servers_and_they_work() {
    use flotilla_testkit::services::{own_npm, own_oci_registry, own_pypi};
    let (Some(oci), Some(pypi), Some(npm)) = (own_oci_registry(None), own_pypi(), own_npm()) else {
        return;
    };
    let sandbox = sandbox();
    let dir = sandbox.root().display().to_string();
    let (oci_url, pypi_url, npm_url) = (oci.url(""), pypi.url(""), npm.url(""));
    let (oci_url, pypi_url, npm_url) = (
        oci_url.trim_end_matches('/'),
        pypi_url.trim_end_matches('/'),
        npm_url.trim_end_matches('/'),
    );
    let args = [
        "demo", &dir, "--json", "--oci", oci_url, "--pypi", pypi_url, "--npm", npm_url,
    ];
    let demo = sandbox.flotilla(&args).success().json();
    let checks: Vec<String> = demo["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert!(
        checks.iter().all(|c| !c.contains(".flotilla/artifacts")),
        "no embedded directory the demo did not use: {checks:#?}"
    );
    let scratch = tempfile::tempdir().unwrap();
    let mut ran = 0;
    for check in &checks {
        let words: Vec<&str> = check.split_whitespace().collect();
        let mut command = match words.as_slice() {
            ["pip", "install", rest @ ..] => {
                assert!(check.contains(pypi_url), "{check}");
                let mut c = Command::new("python3");
                c.args(["-m", "pip", "install", "--no-deps", "--target"])
                    .arg(scratch.path().join("py"))
                    .args(rest);
                c
            }
            ["npm", "install", rest @ ..] => {
                assert!(check.contains(npm_url), "{check}");
                let mut c = Command::new("npm");
                c.args(["install", "--prefix"])
                    .arg(scratch.path().join("js"))
                    .args(rest);
                c
            }
            ["curl", rest @ ..] => {
                assert!(check.contains(oci_url), "{check}");
                let mut c = Command::new("curl");
                c.args(["--fail"]).args(rest);
                c
            }
            ["skopeo", ..] => {
                assert!(check.contains(&oci.address()), "{check}");
                if Command::new("skopeo").arg("--version").output().is_err() {
                    continue;
                }
                let mut c = Command::new(words[0]);
                c.args(&words[1..]);
                c
            }
            _ => continue,
        };
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{check}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        ran += 1;
    }
    assert!(
        ran >= 3,
        "pip, npm and the registry were checked: {checks:#?}"
    );
    assert!(
        scratch
            .path()
            .join("js/node_modules/spaceone-design-system/package.json")
            .is_file()
    );
}
