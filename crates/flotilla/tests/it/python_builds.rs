//! Python projects with their own build files, built by their own PEP 517 backend
//! (`python -m build`) and published to the real pypiserver; checked with pip in fresh virtual
//! environments and against what `python -m build` makes from the tagged commit.
//!
//! The projects are shaped like the seed platform's: a service's `src/setup.py` that reads
//! `version=os.environ.get("PACKAGE_VERSION")`, with `install_requires` on a core library of
//! the same fleet, `package_data` and a `console_scripts` entry point (as `spacectl` has), and
//! core libraries with a `pyproject.toml`: a static `[project] version`, and a dynamic one
//! (setuptools-scm).

// Paths in messages are for a person reading a failed test; `{:?}` quotes them.
#![allow(clippy::unnecessary_debug_formatting)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use flotilla_testkit::run;
use flotilla_testkit::services::{pypi, unique};

use crate::support::{Sandbox, fleet, run_states, states};

const VERSION: &str = "1.0.0rc1";

fn registries_section(pypi: &str) -> String {
    format!("registries:\n  pypi: {{kind: pypi, url: {pypi}, insecure: true}}\n")
}

/// A core library built by setuptools from `pyproject.toml`, its version written statically
/// (and stale) in the file.
fn pyproject_toml(name: &str, module: &str) -> String {
    format!(
        "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
         [project]\nname = \"{name}\"\nversion = \"0.0.0\"  # the release sets it\n\
         description = \"core library\"\nrequires-python = \">=3.8\"\n\n\
         [tool.setuptools.packages.find]\ninclude = [\"{module}*\"]\n"
    )
}

/// A library whose version is dynamic, found by setuptools-scm (here: the release's, given in
/// `SETUPTOOLS_SCM_PRETEND_VERSION`).
fn scm_pyproject_toml(name: &str, module: &str) -> String {
    format!(
        "[build-system]\nrequires = [\"setuptools>=64\", \"setuptools-scm>=8\"]\n\
         build-backend = \"setuptools.build_meta\"\n\n\
         [project]\nname = \"{name}\"\ndynamic = [\"version\"]\n\n\
         [tool.setuptools.packages.find]\ninclude = [\"{module}*\"]\n\n\
         [tool.setuptools_scm]\nroot = \"..\"\n"
    )
}

/// A tool's `setup.py` as the platform writes them (`cloudforet-io/identity`, `spacectl`).
fn setup_py(name: &str, module: &str, core: &str) -> String {
    format!(
        "import os\nfrom setuptools import setup, find_packages\n\n\
         setup(\n    name=\"{name}\",\n    version=os.environ.get(\"PACKAGE_VERSION\"),\n    \
         description=\"fleet command line\",\n    license=\"Apache License 2.0\",\n    \
         packages=find_packages(),\n    install_requires=[\"{core}\"],\n    \
         package_data={{\"{module}\": [\"templates/*.txt\"]}},\n    \
         entry_points={{\"console_scripts\": [\"{name} = {module}.main:main\"]}},\n    \
         zip_safe=False,\n)\n"
    )
}

fn main_py(name: &str, module: &str, core_module: &str) -> String {
    format!(
        "from importlib import metadata, resources\n\nimport {core_module}\n\n\n\
         def main():\n    greeting = resources.files(\"{module}\").joinpath(\"templates/greeting.txt\").read_text().strip()\n    \
         print(\"{name}\", metadata.version(\"{name}\"), {core_module}.NAME, greeting)\n"
    )
}

/// A fresh virtual environment without pip (pip installs into it from outside).
struct Venv {
    dir: tempfile::TempDir,
}

impl Venv {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        run(Command::new("python3")
            .args(["-m", "venv", "--without-pip"])
            .arg(dir.path()));
        Self { dir }
    }

    fn bin(&self, program: &str) -> PathBuf {
        self.dir.path().join("bin").join(program)
    }

    fn pip_install(&self, index: &str, requirement: &str) {
        run(Command::new("python3")
            .args(["-m", "pip", "--python"])
            .arg(self.bin("python"))
            .args([
                "install",
                "--quiet",
                "--no-cache-dir",
                "--index-url",
                &format!("{index}/simple/"),
                requirement,
            ]));
    }

    fn python(&self, code: &str) -> String {
        run(Command::new(self.bin("python")).args(["-c", code]))
            .trim()
            .to_owned()
    }
}

/// The files of `name` on the index, fetched from the links of its PEP 503 page with curl.
fn download(index: &str, name: &str, dest: &Path) -> (PathBuf, PathBuf) {
    fs::create_dir_all(dest).unwrap();
    let page_url = format!("{index}/simple/{name}/");
    let page = run(Command::new("curl").args(["-sS", "-f", "-L", &page_url]));
    for link in page.split("href=\"").skip(1) {
        let href = link.split(['"', '#']).next().unwrap();
        let file = href.rsplit('/').next().unwrap();
        let url = if href.starts_with("http") {
            href.to_owned()
        } else if href.starts_with('/') {
            format!("{index}{href}")
        } else {
            format!("{page_url}{href}")
        };
        run(Command::new("curl")
            .args(["-sS", "-f", "-L", "-o"])
            .arg(dest.join(file))
            .arg(url));
    }
    files(dest)
}

/// The one wheel and the one sdist in `dir`.
fn files(dir: &Path) -> (PathBuf, PathBuf) {
    let mut wheel = None;
    let mut sdist = None;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "whl") {
            assert!(wheel.replace(path).is_none(), "two wheels in {dir:?}");
        } else if name.ends_with(".tar.gz") {
            assert!(sdist.replace(path).is_none(), "two sdists in {dir:?}");
        }
    }
    (
        wheel.unwrap_or_else(|| panic!("no wheel in {dir:?}")),
        sdist.unwrap_or_else(|| panic!("no sdist in {dir:?}")),
    )
}

/// A file of a wheel whose path ends with `suffix` (`.dist-info/METADATA`), as text, read
/// with Python's zipfile.
fn wheel_file(wheel: &Path, suffix: &str) -> Option<String> {
    let script = "import sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  names = [n for n in z.namelist() if n.endswith(sys.argv[2])]\n\
                  sys.exit(3) if not names else sys.stdout.write(z.read(names[0]).decode())";
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(wheel)
        .arg(suffix)
        .output()
        .unwrap();
    match output.status.code() {
        Some(0) => Some(String::from_utf8(output.stdout).unwrap()),
        Some(3) => None,
        _ => panic!("reading {wheel:?} failed: {output:?}"),
    }
}

/// The sdist's `PKG-INFO`, read with tar.
fn pkg_info(sdist: &Path) -> String {
    let listing = run(Command::new("tar").arg("-tzf").arg(sdist));
    let member = listing
        .lines()
        .find(|l| l.matches('/').count() == 1 && l.ends_with("/PKG-INFO"))
        .unwrap_or_else(|| panic!("no PKG-INFO in {sdist:?}:\n{listing}"))
        .to_owned();
    run(Command::new("tar").arg("-xzOf").arg(sdist).arg(member))
}

fn header(metadata: &str, key: &str) -> Vec<String> {
    metadata
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix(&format!("{key}: ")))
        .map(str::to_owned)
        .collect()
}

/// What `python -m build` makes of `repo`'s `src` at `tag`, in a clone of the remote, with the
/// version given as the platform's CI gave it.
fn reference_build(fleet: &Sandbox, repo: &str, tag: &str, isolated: bool) -> (PathBuf, PathBuf) {
    let clone = fleet.outside(&format!("reference-{repo}"));
    run(Command::new("git")
        .args(["clone", "--quiet", "--branch", tag])
        .arg(fleet.remote(repo))
        .arg(&clone));
    // A static `[project] version` is the release's own edit: made here as a person would.
    let pyproject = clone.join("src/pyproject.toml");
    if let Ok(text) = fs::read_to_string(&pyproject) {
        fs::write(
            &pyproject,
            text.replace("version = \"0.0.0\"", &format!("version = \"{VERSION}\"")),
        )
        .unwrap();
    }
    let out = clone.join("out");
    let mut build = Command::new("python3");
    build.args(["-m", "build", "--wheel", "--sdist", "--outdir"]);
    build.arg(&out);
    if !isolated {
        build.arg("--no-isolation");
    }
    run(build
        .arg(clone.join("src"))
        .env("PACKAGE_VERSION", VERSION)
        .env("SETUPTOOLS_SCM_PRETEND_VERSION", VERSION));
    files(&out)
}

/// A `setup.py` service and two `pyproject.toml` libraries (a static version, a dynamic one),
/// released: pip installs the service
/// with its dependency from the index, its command runs and reads its package data, and the
/// published metadata is what the project's own build makes from the tagged commit.
#[test]
fn projects_with_build_files_are_built_by_their_own_backend_and_pip_installs_them() {
    let Some(index) = pypi() else {
        return;
    };
    let index = index.url().to_owned();
    let suffix = unique("py");
    let core = format!("pycore-{suffix}");
    let ctl = format!("pyctl-{suffix}");
    let scm = format!("pyscm-{suffix}");
    let (core_module, ctl_module) = (core.replace('-', "_"), ctl.replace('-', "_"));
    let fleet = fleet()
        .section(&registries_section(&index))
        .repo(&core, "backend-core")
        .file("src/pyproject.toml", &pyproject_toml(&core, &core_module))
        .repo(&scm, "backend-core")
        .file(
            "src/pyproject.toml",
            &scm_pyproject_toml(&scm, &scm.replace('-', "_")),
        )
        .repo(&ctl, "tool")
        .depends_on(&[&core])
        .repo_yaml("publishes: {image: false}")
        .repo_yaml("python: {interpreter: python3, build_isolation: false}")
        .file("src/setup.py", &setup_py(&ctl, &ctl_module, &core))
        .file(
            &format!("src/{ctl_module}/main.py"),
            &main_py(&ctl, &ctl_module, &core_module),
        )
        .file(
            &format!("src/{ctl_module}/templates/greeting.txt"),
            "hello from package data\n",
        )
        .build();

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();
    assert_eq!(
        run_states(&out.json()),
        states(&[
            (&core, "succeeded"),
            (&scm, "succeeded"),
            (&ctl, "succeeded")
        ])
    );

    let venv = Venv::new();
    venv.pip_install(&index, &format!("{ctl}=={VERSION}"));
    let printed = run(&mut Command::new(venv.bin(&ctl)));
    assert_eq!(
        printed.trim(),
        format!("{ctl} {VERSION} {core} hello from package data"),
        "the console script runs, with its dependency and its package data"
    );
    assert_eq!(
        venv.python(&format!(
            "import importlib.metadata as m; print(m.version({core:?}))"
        )),
        VERSION,
        "pip installed the dependency from Requires-Dist"
    );

    for (repo, isolated) in [(&ctl, false), (&core, true), (&scm, true)] {
        let tag = format!("v{VERSION}");
        assert_eq!(fleet.tags(repo), std::slice::from_ref(&tag));
        let downloaded = fleet.outside(&format!("downloaded-{repo}"));
        let (wheel, sdist) = download(&index, repo, &downloaded);
        let (ref_wheel, ref_sdist) = reference_build(&fleet, repo, &tag, isolated);
        assert_eq!(
            wheel.file_name(),
            ref_wheel.file_name(),
            "the project's own wheel name"
        );
        assert_eq!(sdist.file_name(), ref_sdist.file_name());
        let metadata = wheel_file(&wheel, ".dist-info/METADATA").unwrap();
        assert_eq!(
            metadata,
            wheel_file(&ref_wheel, ".dist-info/METADATA").unwrap(),
            "{repo}: METADATA as `python -m build` makes it"
        );
        assert_eq!(
            wheel_file(&wheel, ".dist-info/entry_points.txt"),
            wheel_file(&ref_wheel, ".dist-info/entry_points.txt"),
            "{repo}: entry points as `python -m build` makes them"
        );
        assert_eq!(header(&metadata, "Version"), [VERSION]);
        let sdist_info = pkg_info(&sdist);
        assert_eq!(header(&sdist_info, "Version"), [VERSION], "{repo}: sdist");
        assert_eq!(sdist_info, pkg_info(&ref_sdist), "{repo}: PKG-INFO");
    }

    // Published again: the builds are reproducible, so the index already holds the very same
    // files (an index refuses a different file under a published name).
    let before = run(Command::new("curl").args(["-sS", "-f", &format!("{index}/simple/{ctl}/")]));
    let again = fleet
        .flotilla(&["release", "tag", VERSION, "--republish", "--json"])
        .success();
    assert_eq!(
        run_states(&again.json()),
        states(&[
            (&core, "succeeded"),
            (&scm, "succeeded"),
            (&ctl, "succeeded")
        ])
    );
    assert_eq!(
        run(Command::new("curl").args(["-sS", "-f", &format!("{index}/simple/{ctl}/")])),
        before,
        "the same two files with the same digests"
    );

    let (ctl_wheel, _) = files(&fleet.outside(&format!("downloaded-{ctl}")));
    let ctl_metadata = wheel_file(&ctl_wheel, ".dist-info/METADATA").unwrap();
    assert_eq!(
        header(&ctl_metadata, "Requires-Dist"),
        std::slice::from_ref(&core)
    );
    assert!(
        wheel_file(&ctl_wheel, ".dist-info/entry_points.txt")
            .unwrap()
            .contains(&format!("{ctl} = {ctl_module}.main:main")),
        "the console script is declared"
    );
    assert_eq!(
        wheel_file(&ctl_wheel, &format!("{ctl_module}/templates/greeting.txt")).as_deref(),
        Some("hello from package data\n"),
        "the package data is in the wheel"
    );
}

/// A build that fails and a build that ignores the release's version: each run fails with a
/// typed error (the build's exit status and last lines; the file and the two versions), and
/// nothing reaches the index.
#[test]
fn a_failing_build_or_a_built_version_that_is_not_the_release_uploads_nothing() {
    let Some(index) = pypi() else {
        return;
    };
    let index = index.url().to_owned();
    let suffix = unique("py");
    let broken = format!("pybroken-{suffix}");
    let pinned = format!("pypinned-{suffix}");
    let fleet = fleet()
        .section(&registries_section(&index))
        .repo(&broken, "backend-core")
        .repo_yaml("python: {build_isolation: false}")
        .file(
            "src/setup.py",
            "import sys\nsys.exit(\"setup.py of the broken project gives up\")\n",
        )
        .repo(&pinned, "backend-core")
        .repo_yaml("python: {build_isolation: false}")
        .file(
            "src/setup.py",
            &format!(
                "from setuptools import setup, find_packages\n\
                 setup(name=\"{pinned}\", version=\"9.9.9\", packages=find_packages())\n"
            ),
        )
        .build();

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure();
    let summary = out.json();
    assert_eq!(
        run_states(&summary),
        states(&[(&broken, "failed"), (&pinned, "failed")])
    );
    let error = |repo: &str| {
        summary["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["repo"] == repo)
            .unwrap()["error"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let broken_error = error(&broken);
    assert!(
        broken_error.contains("the Python build (python3 -m build --wheel --sdist")
            && broken_error.contains("exited with status 1")
            && broken_error.contains("setup.py of the broken project gives up"),
        "the error has the command, its status and its last lines:\n{broken_error}"
    );
    let pinned_error = error(&pinned);
    let module = pinned.replace('-', "_");
    assert!(
        pinned_error.contains(&format!("{module}-9.9.9-py3-none-any.whl"))
            && pinned_error.contains("says Version `9.9.9`, not `1.0.0rc1`")
            && pinned_error.contains("nothing was uploaded"),
        "the error names the file and both versions:\n{pinned_error}"
    );
    for repo in [&broken, &pinned] {
        let page = Command::new("curl")
            .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-L"])
            .arg(format!("{index}/simple/{repo}/"))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&page.stdout),
            "404",
            "{repo} has nothing on the index"
        );
    }
}

/// The paths in the one layer of `tag` in the OCI layout `layout`, listed with tar.
fn layer_paths(layout: &Path, tag: &str) -> String {
    let json = |path: PathBuf| -> serde_json::Value {
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
    };
    let blob = |digest: &str| {
        layout
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    let index = json(layout.join("index.json"));
    let manifest = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap_or_else(|| panic!("no {tag} in {index}"));
    let manifest = json(blob(manifest["digest"].as_str().unwrap()));
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|layer| {
            run(Command::new("tar")
                .arg("-tzf")
                .arg(blob(layer["digest"].as_str().unwrap())))
        })
        .collect()
}

/// Without registry servers, the project's own build goes to the embedded simple index, which
/// pip installs from; the image built after it from the same work tree holds the tree as
/// committed, without what setuptools leaves behind. The build runs without flotilla's secrets.
#[test]
fn a_setup_py_project_is_published_to_the_local_simple_index() {
    let mut fleet = fleet()
        .repo("inventory", "backend")
        .file(
            "src/setup.py",
            "import os\nfrom setuptools import setup, find_packages\n\n\
             if os.environ.get(\"FLOTILLA_REGISTRY_TOKEN\"):\n    \
             raise SystemExit(\"the build sees flotilla's registry token\")\n\n\
             setup(\n    name=\"spaceone-inventory\",\n    \
             version=os.environ.get(\"PACKAGE_VERSION\"),\n    packages=find_packages(),\n    \
             package_data={\"inventory\": [\"schema/*.yaml\"]},\n    zip_safe=False,\n)\n",
        )
        .file("src/inventory/__init__.py", "NAME = \"inventory\"\n")
        .file("src/inventory/schema/server.yaml", "kind: server\n")
        .repo_yaml("python: {name: spaceone-inventory, build_isolation: false}")
        .build();
    // A secret of flotilla's: the project's build never sees it.
    fleet.set_env("FLOTILLA_REGISTRY_TOKEN", "registry-token-of-flotilla");

    fleet.flotilla(&["release", "start", "1.0.0"]).success();

    let simple = fleet.artifacts().join("pypi/simple");
    assert_eq!(
        crate::support::pip_install(&simple, "spaceone-inventory", VERSION),
        VERSION
    );
    let (wheel, sdist) = files(&fleet.artifacts().join("pypi/files/spaceone-inventory"));
    assert_eq!(
        wheel_file(&wheel, "inventory/schema/server.yaml").as_deref(),
        Some("kind: server\n"),
        "the package data is in the wheel"
    );
    assert_eq!(header(&pkg_info(&sdist), "Version"), [VERSION]);

    let layer = layer_paths(&fleet.artifacts().join("oci/fleet/inventory"), VERSION);
    assert!(
        layer.contains("src/setup.py"),
        "the context is in the image:\n{layer}"
    );
    assert!(
        !layer.contains("src/build/") && !layer.contains(".egg-info"),
        "the build's leftovers are not:\n{layer}"
    );
}
