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
