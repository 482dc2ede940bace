//! The upload target against a real pypiserver, checked with pip and curl.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use flotilla_publish::http::{HttpClient, HttpPolicy, RetryPolicy};
use flotilla_publish::python::{PypiUploadTarget, PythonProject, PythonTarget};
use flotilla_publish::{ArtifactKind, Outcome, PublishError};

use crate::common::{run, write_tree};
use flotilla_testkit::services::{self, unique};

fn project(root: &Path, name: &str, version: &str, body: &str) -> PythonProject {
    let src = root.join(format!("src-{version}-{}", body.len()));
    write_tree(
        &src,
        &[(
            "flotilla_upload_demo/__init__.py",
            &format!("VERSION = {version:?}\n{body}"),
        )],
    );
    PythonProject::new(name, version, src)
        .unwrap()
        .with_summary("Uploaded by flotilla's tests")
        .with_source_date_epoch(1_700_000_000)
}

fn build(project: &PythonProject, out: &Path) -> Vec<PathBuf> {
    vec![
        project.build_wheel(out).unwrap(),
        project.build_sdist(out).unwrap(),
    ]
}

fn target(url: &str) -> PypiUploadTarget {
    let http = HttpClient::new(HttpPolicy {
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(50),
            ..HttpPolicy::default().retry
        },
        ..HttpPolicy::default()
    })
    .unwrap();
    PypiUploadTarget::new(&format!("{url}/"), &format!("{url}/simple/"), true, http).unwrap()
}

#[test]
fn uploads_that_pip_installs_and_never_changes_a_published_file() {
    let Some(server) = services::pypi() else {
        return;
    };
    let url = server.url().to_owned();
    let target = target(&url);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let name = unique("flotilla-upload-");

    let files = build(&project(dir.path(), &name, "1.0.0", ""), &out);
    let published = target.upload(&files).unwrap();
    assert_eq!(published.len(), 2);
    for p in &published {
        assert_eq!(p.kind, ArtifactKind::Python);
        assert_eq!(p.name, name);
        assert_eq!(p.version, "1.0.0");
        assert_eq!(p.outcome, Outcome::Written);
        assert_eq!(p.location, format!("{url}/simple/{name}/"));
    }
    // The index lists both files with the digests we recorded.
    let page = run(Command::new("curl").args(["-fsSL", &format!("{url}/simple/{name}/")]));
    for p in &published {
        assert!(
            page.contains(&p.digest.hex()),
            "{} missing:\n{page}",
            p.digest
        );
    }

    let venv = dir.path().join("venv");
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    run(Command::new(venv.join("bin/pip"))
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_CACHE_DIR", dir.path().join("pip-cache"))
        .args(["install", "--index-url", &format!("{url}/simple/")])
        .arg(format!("{name}==1.0.0")));
    let version = run(Command::new(venv.join("bin/python")).args([
        "-c",
        "import flotilla_upload_demo; print(flotilla_upload_demo.VERSION)",
    ]));
    assert_eq!(version.trim(), "1.0.0");

    let again = target.upload(&files).unwrap();
    assert!(again.iter().all(|p| p.outcome == Outcome::Unchanged));
    assert_eq!(again[0].digest, published[0].digest);

    let rc = build(&project(dir.path(), &name, "1.1.0rc1", ""), &out);
    target.upload(&rc[..1]).unwrap();
    assert_eq!(
        target
            .versions(&name.replace('-', "_").to_uppercase())
            .unwrap(),
        ["1.0.0", "1.1.0rc1"]
    );

    // A rebuilt 1.0.0 with other content is refused, and the new 1.2.0 beside it is not
    // uploaded either.
    let other = dir.path().join("other");
    let changed = build(
        &project(dir.path(), &name, "1.0.0", "CHANGED = True\n"),
        &other,
    );
    let next = build(&project(dir.path(), &name, "1.2.0", ""), &other);
    let err = target
        .upload(&[next[0].clone(), changed[0].clone()])
        .unwrap_err();
    assert!(
        matches!(&err, PublishError::FileConflict { filename, existing, .. }
            if filename.ends_with("-1.0.0-py3-none-any.whl") && *existing == published[0].digest),
        "{err}"
    );
    assert_eq!(target.versions(&name).unwrap(), ["1.0.0", "1.1.0rc1"]);
    assert_eq!(
        target.versions(&unique("never-uploaded-")).unwrap(),
        Vec::<String>::new()
    );
}
