use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use flotilla_publish::python::{PythonProject, PythonTarget, SimpleIndexTarget};
use flotilla_publish::{ArtifactKind, Digest, Outcome, PublishError};

use crate::common::{run, tar_gz_names, touch_all, write_tree};

const EPOCH: u64 = 1_700_000_000;

/// A source directory with a package, a sub-package, a data file, a module, and things that
/// must stay out (tests, setup.py, caches).
fn source(root: &Path, version: &str) -> PathBuf {
    let src = root.join("src");
    write_tree(
        &src,
        &[
            (
                "flotilla_demo/__init__.py",
                &format!("VERSION = {version:?}\n"),
            ),
            (
                "flotilla_demo/sub/__init__.py",
                "from flotilla_demo.sub.helpers import X\n",
            ),
            ("flotilla_demo/sub/helpers.py", "X = 42\n"),
            ("flotilla_demo/templates/page.txt", "template\n"),
            ("flotilla_demo/__pycache__/x.cpython-311.pyc", "junk"),
            ("flotilla_single.py", "Y = 7\n"),
            ("setup.py", "raise SystemExit('not me')\n"),
            ("tests/test_x.py", "assert False\n"),
            ("README.md", "readme\n"),
        ],
    );
    src
}

fn project(root: &Path, version: &str) -> PythonProject {
    PythonProject::new("Flotilla_Demo.Core", version, source(root, version))
        .unwrap()
        .with_summary("Demo core library")
        .with_requires_dist(["flotilla-demo-base>=0.1"])
        .with_source_date_epoch(EPOCH)
}

fn base_project(root: &Path) -> PythonProject {
    let src = root.join("base-src");
    write_tree(&src, &[("flotilla_base.py", "BASE = 'ok'\n")]);
    PythonProject::new("flotilla-demo-base", "0.1.0", src)
        .unwrap()
        .with_source_date_epoch(EPOCH)
}

fn build_both(project: &PythonProject, out: &Path) -> Vec<PathBuf> {
    vec![
        project.build_wheel(out).unwrap(),
        project.build_sdist(out).unwrap(),
    ]
}

fn zip_entries(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().unwrap().into_owned(), content)
        })
        .collect()
}

#[test]
fn the_wheel_has_metadata_and_a_record_of_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path(), "1.2.3rc1");
    let wheel = project.build_wheel(&dir.path().join("out")).unwrap();
    assert_eq!(
        wheel.file_name().unwrap(),
        "flotilla_demo_core-1.2.3rc1-py3-none-any.whl"
    );
    let entries = zip_entries(&wheel);
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "flotilla_demo/__init__.py",
            "flotilla_demo/sub/__init__.py",
            "flotilla_demo/sub/helpers.py",
            "flotilla_demo/templates/page.txt",
            "flotilla_demo_core-1.2.3rc1.dist-info/METADATA",
            "flotilla_demo_core-1.2.3rc1.dist-info/RECORD",
            "flotilla_demo_core-1.2.3rc1.dist-info/WHEEL",
            "flotilla_demo_core-1.2.3rc1.dist-info/top_level.txt",
            "flotilla_single.py",
        ]
    );
    let info = "flotilla_demo_core-1.2.3rc1.dist-info";
    let metadata = String::from_utf8(entries[&format!("{info}/METADATA")].clone()).unwrap();
    assert_eq!(
        metadata,
        "Metadata-Version: 2.1\nName: Flotilla_Demo.Core\nVersion: 1.2.3rc1\n\
         Summary: Demo core library\nRequires-Dist: flotilla-demo-base>=0.1\n"
    );
    assert_eq!(
        entries[&format!("{info}/top_level.txt")],
        b"flotilla_demo\nflotilla_single\n"
    );
    let wheel_file = String::from_utf8(entries[&format!("{info}/WHEEL")].clone()).unwrap();
    assert!(wheel_file.contains("Tag: py3-none-any\n"), "{wheel_file}");
    assert!(
        wheel_file.contains("Root-Is-Purelib: true\n"),
        "{wheel_file}"
    );

    let record = String::from_utf8(entries[&format!("{info}/RECORD")].clone()).unwrap();
    let mut recorded = 0;
    for line in record.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        if fields[0] == format!("{info}/RECORD") {
            assert_eq!(fields[1..], ["", ""]);
            continue;
        }
        let content = &entries[fields[0]];
        let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Digest::of_bytes(content).as_bytes());
        assert_eq!(fields[1], format!("sha256={hash}"), "{line}");
        assert_eq!(fields[2], content.len().to_string(), "{line}");
        recorded += 1;
    }
    assert_eq!(recorded, entries.len() - 1);
}

#[test]
fn builds_are_byte_identical_whatever_the_file_times() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let a = build_both(&project(one.path(), "1.0.0"), &one.path().join("out"));
    let project_two = project(two.path(), "1.0.0");
    touch_all(two.path());
    let b = build_both(&project_two, &two.path().join("out"));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            fs::read(x).unwrap(),
            fs::read(y).unwrap(),
            "{}",
            x.display()
        );
    }
}

#[test]
fn the_sdist_holds_pkg_info_pyproject_and_sources() {
    let dir = tempfile::tempdir().unwrap();
    let sdist = project(dir.path(), "1.0.0.dev1")
        .build_sdist(&dir.path().join("out"))
        .unwrap();
    assert_eq!(
        sdist.file_name().unwrap(),
        "flotilla_demo_core-1.0.0.dev1.tar.gz"
    );
    let names = tar_gz_names(&sdist);
    let base = "flotilla_demo_core-1.0.0.dev1";
    for expected in [
        format!("{base}/PKG-INFO"),
        format!("{base}/pyproject.toml"),
        format!("{base}/flotilla_demo/sub/helpers.py"),
        format!("{base}/flotilla_single.py"),
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for absent in ["setup.py", "tests", "__pycache__", "README.md"] {
        assert!(
            !names.iter().any(|n| n.contains(absent)),
            "{absent} in {names:?}"
        );
    }
}

/// A virtual environment with pip and no network index.
fn venv(root: &Path) -> PathBuf {
    let venv = root.join("venv");
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    venv
}

fn pip(venv: &Path) -> Command {
    let mut command = Command::new(venv.join("bin/pip"));
    command
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_INPUT", "1")
        .env("PIP_CACHE_DIR", venv.join("pip-cache"));
    command
}

fn python(venv: &Path, code: &str) -> String {
    run(Command::new(venv.join("bin/python")).args(["-c", code]))
        .trim()
        .to_owned()
}

#[test]
fn pip_installs_from_the_index_and_takes_pre_releases_only_with_pre() {
    let dir = tempfile::tempdir().unwrap();
    let index = SimpleIndexTarget::new(dir.path().join("index"));
    let out = dir.path().join("out");
    let mut files = build_both(&base_project(dir.path()), &out);
    files.extend(build_both(&project(&dir.path().join("v1"), "1.0.0"), &out));
    files.extend(build_both(
        &project(&dir.path().join("v2"), "1.1.0rc1"),
        &out,
    ));
    let published = index.upload(&files).unwrap();
    assert_eq!(published.len(), 6);
    assert!(
        published
            .iter()
            .all(|p| p.outcome == Outcome::Written && p.kind == ArtifactKind::Python)
    );
    assert_eq!(published[2].name, "flotilla-demo-core");
    assert_eq!(published[2].version, "1.0.0");
    assert_eq!(
        published[2].digest,
        Digest::of_bytes(&fs::read(&files[2]).unwrap())
    );
    assert!(Path::new(&published[2].location).is_file());
    assert_eq!(
        index.versions("FLOTILLA.demo_core").unwrap(),
        ["1.0.0", "1.1.0rc1"]
    );

    let page = fs::read_to_string(
        dir.path()
            .join("index/simple/flotilla-demo-core/index.html"),
    )
    .unwrap();
    assert!(
        page.contains(&format!("#sha256={}", published[2].digest.hex())),
        "{page}"
    );

    let url = index.index_url().unwrap();
    let venv = venv(dir.path());
    run(pip(&venv).args(["install", "--index-url", &url, "flotilla-demo-core==1.0.0"]));
    assert_eq!(
        python(
            &venv,
            "import flotilla_demo, flotilla_base, flotilla_single; from flotilla_demo.sub import X; print(flotilla_demo.VERSION, flotilla_base.BASE, X, flotilla_single.Y)"
        ),
        "1.0.0 ok 42 7"
    );
    run(pip(&venv).args([
        "install",
        "--index-url",
        &url,
        "--upgrade",
        "flotilla-demo-core",
    ]));
    assert_eq!(
        python(&venv, "import flotilla_demo; print(flotilla_demo.VERSION)"),
        "1.0.0"
    );
    run(pip(&venv).args([
        "install",
        "--index-url",
        &url,
        "--upgrade",
        "--pre",
        "flotilla-demo-core",
    ]));
    assert_eq!(
        python(&venv, "import flotilla_demo; print(flotilla_demo.VERSION)"),
        "1.1.0rc1"
    );
    assert_eq!(
        python(
            &venv,
            "import importlib.resources as r; print(r.files('flotilla_demo').joinpath('templates/page.txt').read_text().strip())"
        ),
        "template"
    );

    // setuptools builds the sdist's packages from its pyproject.toml, offline.
    let unpacked = dir.path().join("unpacked");
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&files[3])
        .arg("-C")
        .arg({
            fs::create_dir_all(&unpacked).unwrap();
            &unpacked
        }));
    let sdist_root = unpacked.join("flotilla_demo_core-1.0.0");
    let built = dir.path().join("built");
    let egg = dir.path().join("egg");
    fs::create_dir_all(&egg).unwrap();
    run(Command::new(venv.join("bin/python"))
        .args([
            "-c",
            "import setuptools; setuptools.setup()",
            "build_py",
            "--build-lib",
        ])
        .arg(&built)
        .args(["egg_info", "--egg-base"])
        .arg(&egg)
        .current_dir(&sdist_root));
    let requires =
        fs::read_to_string(egg.join("Flotilla_Demo.Core.egg-info/requires.txt")).unwrap();
    assert_eq!(requires.trim(), "flotilla-demo-base>=0.1");
    assert!(built.join("flotilla_demo/templates/page.txt").is_file());
    let imported = run(Command::new(venv.join("bin/python"))
        .args(["-c", "import flotilla_demo, flotilla_single; from flotilla_demo.sub import X; print(flotilla_demo.__file__, flotilla_demo.VERSION, X, flotilla_single.Y)"])
        .env("PYTHONPATH", &built)
        .current_dir(dir.path()));
    assert!(
        imported.starts_with(&built.display().to_string()),
        "{imported}"
    );
    assert!(imported.trim().ends_with("1.0.0 42 7"), "{imported}");
}

#[test]
fn a_published_file_never_changes() {
    let dir = tempfile::tempdir().unwrap();
    let index = SimpleIndexTarget::new(dir.path().join("index"));
    let first = build_both(
        &project(&dir.path().join("a"), "1.0.0"),
        &dir.path().join("a-out"),
    );
    index.upload(&first).unwrap();
    let again = index.upload(&first).unwrap();
    assert!(again.iter().all(|p| p.outcome == Outcome::Unchanged));

    let page = dir
        .path()
        .join("index/simple/flotilla-demo-core/index.html");
    let before = fs::read(&page).unwrap();
    // Same name and version, different content.
    let other = project(&dir.path().join("b"), "1.0.0")
        .with_summary("changed")
        .build_wheel(&dir.path().join("b-out"))
        .unwrap();
    let err = index.upload(&[other]).unwrap_err();
    assert!(matches!(err, PublishError::FileConflict { .. }), "{err}");
    assert!(err.to_string().contains("never changes"), "{err}");
    assert_eq!(fs::read(&page).unwrap(), before);

    let not_a_dist = dir.path().join("notes.txt");
    fs::write(&not_a_dist, "x").unwrap();
    assert!(matches!(
        index.upload(&[not_a_dist]),
        Err(PublishError::NotADistribution { .. })
    ));
    assert_eq!(
        index.versions("never-uploaded").unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn named_top_level_packages_replace_discovery() {
    let dir = tempfile::tempdir().unwrap();
    let only_module = project(dir.path(), "1.0.0").with_top_level(["flotilla_single"]);
    let wheel = only_module.build_wheel(&dir.path().join("out")).unwrap();
    let entries = zip_entries(&wheel);
    let payload: Vec<&str> = entries
        .keys()
        .map(String::as_str)
        .filter(|n| !n.contains(".dist-info/"))
        .collect();
    assert_eq!(payload, ["flotilla_single.py"]);
    assert_eq!(
        entries["flotilla_demo_core-1.0.0.dist-info/top_level.txt"],
        b"flotilla_single\n"
    );

    let missing = project(dir.path(), "1.0.0").with_top_level(["nothing_here"]);
    let err = missing.build_wheel(&dir.path().join("out")).unwrap_err();
    assert!(matches!(err, PublishError::InvalidSource { .. }), "{err}");
    assert!(err.to_string().contains("nothing_here"), "{err}");
}
