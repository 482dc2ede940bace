//! The independent clients users install artifacts with: pip, npm and skopeo. What they accept
//! is what flotilla published, whatever flotilla itself believes.

use std::path::Path;
use std::process::Command;

use flotilla_testkit::run;

/// Installs `name==version` from the PEP 503 index at `simple` into a fresh virtual environment
/// and returns the version Python's metadata reports for it.
pub fn pip_install(simple: &Path, name: &str, version: &str) -> String {
    let venv = tempfile::tempdir().unwrap();
    run(Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(venv.path()));
    let python = venv.path().join("bin").join("python");
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--index-url",
        &format!("file://{}/", simple.display()),
        &format!("{name}=={version}"),
    ]));
    run(Command::new(&python).args([
        "-c",
        &format!("import importlib.metadata as m; print(m.version({name:?}))"),
    ]))
    .trim()
    .to_owned()
}

/// Installs an npm tarball into a fresh project and returns the installed `package.json`.
pub fn npm_install(tarball: &Path, name: &str) -> serde_json::Value {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("package.json"),
        "{\"name\": \"consumer\", \"version\": \"1.0.0\", \"private\": true}\n",
    )
    .unwrap();
    run(Command::new("npm")
        .current_dir(project.path())
        .env("npm_config_cache", project.path().join(".npm-cache"))
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--offline",
            "--loglevel=error",
        ])
        .arg(tarball));
    let installed = project
        .path()
        .join("node_modules")
        .join(name)
        .join("package.json");
    serde_json::from_str(&std::fs::read_to_string(installed).unwrap()).unwrap()
}

/// `skopeo inspect` of an image in an OCI layout, or `None` when skopeo cannot find the tag.
pub fn skopeo_inspect(layout: &Path, tag: &str) -> Option<serde_json::Value> {
    let output = Command::new("skopeo")
        .arg("inspect")
        .arg(format!("oci:{}:{tag}", layout.display()))
        .output()
        .unwrap();
    output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).unwrap())
}

/// `NAME/Chart.yaml` of a packaged chart, read with tar as helm would unpack it.
pub fn chart_yaml(package: &Path, name: &str) -> String {
    run(Command::new("tar")
        .arg("-xzOf")
        .arg(package)
        .arg(format!("{name}/Chart.yaml")))
}
