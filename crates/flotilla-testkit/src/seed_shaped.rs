//! Repositories shaped like the seed platform's real ones (REFERENCE.md §D): `setup.py`
//! projects under `src/` that read their version from `PACKAGE_VERSION` or `src/VERSION`, a
//! core library under `dist/python/`, a service with a Dockerfile and a chart in
//! `deploy/helm`, a frontend whose private `package.json` depends on a frontend-core npm
//! package, a plugin released by minor line, a CLI with a `console_scripts` entry point, and
//! histories with tags in the spellings the platform used over the years (`v1.10.0-rc1`,
//! `v1.11.0.12`, `1.12.0` without `v`, `2.0.dev249`, `v1.13-rc1`) and release branches of both
//! shapes. The console's chart keeps its image tag at Helm's `image.tag`. The files are written for these tests after the real ones' structure.

use std::path::Path;

use crate::git::Git;

/// One step of a shaped history on the default branch.
#[derive(Debug, Clone, Copy)]
pub enum HistoryStep {
    /// A commit, tagged with this name.
    Tag(&'static str),
    /// A branch at the current commit.
    Branch(&'static str),
}

/// A repository: the files its default branch holds now, and the history before them.
#[derive(Debug, Clone)]
pub struct ShapedRepo {
    pub name: &'static str,
    pub files: Vec<(&'static str, String)>,
    pub history: Vec<HistoryStep>,
}

impl ShapedRepo {
    /// Tag names, in history order.
    pub fn tags(&self) -> Vec<String> {
        self.history
            .iter()
            .filter_map(|step| match step {
                HistoryStep::Tag(tag) => Some((*tag).to_owned()),
                HistoryStep::Branch(_) => None,
            })
            .collect()
    }

    /// Branch names: `master` and the history's branches.
    pub fn branches(&self) -> Vec<String> {
        let mut branches = vec!["master".to_owned()];
        branches.extend(self.history.iter().filter_map(|step| match step {
            HistoryStep::Branch(branch) => Some((*branch).to_owned()),
            HistoryStep::Tag(_) => None,
        }));
        branches
    }

    /// Creates a bare repository at `bare` holding this history (one commit per tag, the
    /// files in the first commit and again, as they are now, in the last), made in a scratch
    /// clone under `scratch`.
    pub fn create_bare(&self, git: &Git, bare: &Path, scratch: &Path) {
        let bare_arg = bare.display().to_string();
        git.run(
            scratch,
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=master",
                &bare_arg,
            ],
        );
        let work = tempfile::tempdir_in(scratch).unwrap();
        let dir = work.path();
        git.run(dir, &["init", "--quiet", "--initial-branch=master"]);
        let write = |files: &[(&str, String)]| {
            for (path, content) in files {
                let file = dir.join(path);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(file, content).unwrap();
            }
        };
        write(&self.files);
        std::fs::write(dir.join("CHANGELOG.md"), "# Changelog\n").unwrap();
        git.run(dir, &["add", "--all"]);
        git.run(dir, &["commit", "--quiet", "-m", "Initial import"]);
        let mut changelog = String::from("# Changelog\n");
        for step in &self.history {
            match step {
                HistoryStep::Tag(tag) => {
                    changelog.push_str(&format!("- {tag}\n"));
                    std::fs::write(dir.join("CHANGELOG.md"), &changelog).unwrap();
                    git.run(dir, &["add", "CHANGELOG.md"]);
                    git.run(
                        dir,
                        &[
                            "commit",
                            "--quiet",
                            "-m",
                            &format!("[CI/CD] release version {tag}"),
                        ],
                    );
                    git.run(dir, &["tag", "-a", "-m", tag, tag]);
                }
                HistoryStep::Branch(branch) => {
                    git.run(dir, &["branch", branch]);
                }
            }
        }
        changelog.push_str("- unreleased\n");
        std::fs::write(dir.join("CHANGELOG.md"), &changelog).unwrap();
        git.run(dir, &["add", "--all"]);
        git.run(
            dir,
            &["commit", "--quiet", "-m", "Work after the last release"],
        );
        git.run(dir, &["push", "--quiet", &bare_arg, "--all"]);
        git.run(dir, &["push", "--quiet", &bare_arg, "--tags"]);
    }
}

fn setup_py(name: &str, version: &str, requires: &[&str], extra: &str) -> String {
    let version_read = if version == "env" {
        "import os\nfrom setuptools import setup, find_packages\n\nVERSION = os.environ.get(\"PACKAGE_VERSION\")\n".to_owned()
    } else {
        format!(
            "from setuptools import setup, find_packages\n\nwith open('{version}', 'r') as f:\n    VERSION = f.read().strip()\n"
        )
    };
    let version_arg = if version == "env" {
        "os.environ.get(\"PACKAGE_VERSION\")"
    } else {
        "VERSION"
    };
    let requires: String = requires.iter().fold(String::new(), |mut out, r| {
        out.push_str("        \"");
        out.push_str(r);
        out.push_str("\",\n");
        out
    });
    format!(
        "#\n#   A setup.py shaped like the platform's.\n#\n{version_read}\nsetup(\n    name=\"{name}\",\n    version={version_arg},\n    description=\"{name}\",\n    license=\"Apache License 2.0\",\n    packages=find_packages(),\n    install_requires=[\n        # \"grpcio\",\n{requires}    ],\n{extra}    zip_safe=False,\n)\n"
    )
}

fn python_dockerfile(base: &str) -> String {
    format!(
        "FROM {base}\nARG PACKAGE_VERSION\nENV PACKAGE_VERSION=$PACKAGE_VERSION\nCOPY pkg/pip_requirements.txt pip_requirements.txt\nRUN pip install -r pip_requirements.txt\nCOPY src /tmp/src\nWORKDIR /tmp/src\nRUN python3 setup.py install\nENTRYPOINT [\"spaceone\"]\n"
    )
}

fn chart(name: &str) -> String {
    format!(
        "apiVersion: v2\nname: {name}\ndescription: {name} Helm chart for Kubernetes\ntype: application\n# The chart's version, bumped on its own.\nversion: 1.1.2\nappVersion: 1.x.y\n"
    )
}

const VALUES: &str = "image:\n  name: spaceone/service\n  version: latest\n";
/// Helm's starter chart keeps the tag at `image.tag`.
const STARTER_VALUES: &str = "image:\n  repository: spaceone/console\n  tag: latest\n";

fn workflow(name: &str) -> String {
    format!(
        "name: \"{name}\"\non:\n  workflow_dispatch:\njobs:\n  job:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo {name}\n"
    )
}

/// The eight repositories: `python-core` and `api` (backend core), `identity` (backend),
/// `console` (frontend), `spaceone-design-system` (frontend core),
/// `plugin-aws-ec2-inven-collector` (plugin), `spacectl` (tool) and `docs` (nothing to build).
#[allow(clippy::too_many_lines)]
pub fn seed_shaped() -> Vec<ShapedRepo> {
    use HistoryStep::{Branch, Tag};
    vec![
        ShapedRepo {
            name: "python-core",
            files: vec![
                (
                    "src/setup.py",
                    setup_py(
                        "spaceone-core",
                        "VERSION",
                        &["grpcio-reflection", "PyYAML", "python-jose==3.1.0"],
                        "    entry_points={\n        'console_scripts': ['spaceone = spaceone.core.command:main'],\n    },\n",
                    ),
                ),
                ("src/VERSION", "1.12.2\n".to_owned()),
                ("src/spaceone/core/__init__.py", String::new()),
                (".github/workflows/[CI]branch tagging.yml", workflow("[CI]branch tagging")),
                (".github/workflows/[CI]pypi dev test.yml", workflow("[CI]pypi dev test")),
            ],
            history: vec![
                Tag("v1.10.4"),
                Tag("v1.11.0-rc1"),
                Tag("v1.11.0"),
                Branch("release-1.11.0"),
                Tag("v1.11.0.12"),
                Tag("1.12.0"),
                Branch("release-1.12"),
                Tag("1.12.2"),
                Tag("2.0.dev249"),
            ],
        },
        ShapedRepo {
            name: "api",
            files: vec![
                ("dist/python/setup.py", setup_py("spaceone-api", "env", &[], "")),
                ("dist/python/spaceone/api/__init__.py", String::new()),
                ("proto/spaceone/api/core/v1/handler.proto", "syntax = \"proto3\";\n".to_owned()),
                (".github/workflows/CI_branch_tagging.yml", workflow("CI branch tagging")),
                (".github/workflows/CI_pypi_devTest.yml", workflow("CI pypi devTest")),
            ],
            history: vec![
                Tag("v1.10.0-rc1"),
                Tag("v1.10.0"),
                Branch("release-1.10.0"),
                Tag("v1.11.0"),
                Branch("release-1.11.0"),
                Tag("2.0.dev12"),
            ],
        },
        ShapedRepo {
            name: "identity",
            files: vec![
                (
                    "src/setup.py",
                    setup_py(
                        "spaceone-identity",
                        "env",
                        &["spaceone-core", "spaceone-api", "bcrypt", "pyotp"],
                        "    package_data={\n        \"spaceone\": [\"identity/template/*.html\"]\n    },\n",
                    ),
                ),
                ("src/spaceone/identity/__init__.py", String::new()),
                ("pkg/pip_requirements.txt", "spaceone-core\nspaceone-api\n".to_owned()),
                ("Dockerfile", python_dockerfile("cloudforet/python-core:2.0")),
                ("deploy/helm/Chart.yaml", chart("identity")),
                ("deploy/helm/values.yaml", VALUES.to_owned()),
                (".github/workflows/[CI]master push.yml", workflow("[CI]master push")),
                (".github/workflows/[CI]branch tagging.yml", workflow("[CI]branch tagging")),
                (".github/workflows/dispatch_daily_build.yaml", workflow("[Dispatch] Daily build")),
            ],
            history: vec![
                Tag("v1.10.0-rc1"),
                Tag("v1.10.0"),
                Branch("release-1.10.0"),
                Tag("v1.10.0.1"),
                Tag("v1.11.0"),
                Branch("release-1.11.0"),
                Tag("v1.12.0"),
                Branch("release-1.12.0"),
                Tag("2.0.dev249"),
            ],
        },
        ShapedRepo {
            name: "console",
            files: vec![
                (
                    "package.json",
                    "{\n  \"name\": \"spaceone-console\",\n  \"version\": \"1.10.0-rc2\",\n  \"private\": true,\n  \"scripts\": {\"build\": \"vue-cli-service build\"},\n  \"dependencies\": {\n    \"@spaceone/design-system\": \"^1.1.0\",\n    \"vue\": \"^2.6.14\"\n  },\n  \"devDependencies\": {\"eslint\": \"^7.2.0\"}\n}\n".to_owned(),
                ),
                ("src/main.ts", "export {};\n".to_owned()),
                ("Dockerfile", "FROM nginx:stable\nCOPY dist /usr/share/nginx/html\n".to_owned()),
                ("deploy/helm/Chart.yaml", chart("console")),
                ("deploy/helm/values.yaml", STARTER_VALUES.to_owned()),
                (".github/workflows/[CI]master push.yml", workflow("[CI]master push")),
            ],
            history: vec![Tag("v1.10.0"), Branch("release-1.10.0"), Tag("v1.11.0")],
        },
        ShapedRepo {
            name: "spaceone-design-system",
            files: vec![
                (
                    "package.json",
                    "{\n  \"name\": \"@spaceone/design-system\",\n  \"version\": \"1.1.0\",\n  \"main\": \"dist/index.js\",\n  \"peerDependencies\": {\"vue\": \"^2.6.14\"}\n}\n".to_owned(),
                ),
                ("src/index.js", "module.exports = {};\n".to_owned()),
            ],
            history: vec![Tag("v1.0.0"), Tag("v1.1.0")],
        },
        ShapedRepo {
            name: "plugin-aws-ec2-inven-collector",
            files: vec![
                (
                    "src/setup.py",
                    setup_py(
                        "plugin-aws-ec2",
                        "VERSION",
                        &["spaceone-core", "spaceone-api", "spaceone-tester", "boto3"],
                        "",
                    ),
                ),
                ("src/VERSION", "v1.13\n".to_owned()),
                ("pkg/pip_requirements.txt", "boto3\n".to_owned()),
                ("Dockerfile", python_dockerfile("python:3.8")),
                (
                    ".github/workflows/[CI]create release branch.yml",
                    workflow("[CI]create release branch"),
                ),
            ],
            history: vec![
                Tag("v1.12.1"),
                Branch("release-1.12"),
                Tag("v1.13-rc1"),
                Tag("v1.13"),
                Branch("release-1.13"),
            ],
        },
        ShapedRepo {
            name: "spacectl",
            files: vec![
                (
                    "src/setup.py",
                    setup_py(
                        "spacectl",
                        "VERSION",
                        &["spaceone-core", "spaceone-api", "Click", "tabulate"],
                        "    package_data={'spacectl': ['template/*.yml']},\n    entry_points={\n        'console_scripts': [\n            'spacectl = spacectl.main:main',\n        ]\n    },\n",
                    ),
                ),
                ("src/VERSION", "1.11.0\n".to_owned()),
                ("src/spacectl/main.py", "def main():\n    pass\n".to_owned()),
                ("Dockerfile", python_dockerfile("python:3.8")),
                (".github/workflows/ci-master.yml", workflow("CI master")),
                (".github/workflows/CI_pypi_devTest.yml", workflow("CI pypi devTest")),
            ],
            history: vec![Tag("v1.10.0"), Tag("v1.11.0"), Branch("release-1.11.0")],
        },
        ShapedRepo {
            name: "docs",
            files: vec![("README.md", "# Documentation\n".to_owned())],
            history: vec![],
        },
    ]
}

/// Repositories carrying their version in further files: `tester`, whose `src/setup.py` opens
/// its `__version__` module, with a second `VERSION` spelled without `v` and a PEP 440 one;
/// `sdk`, a `pyproject.toml` with a static `[project] version` whose build requires `tester`'s
/// distribution; `legacy`, a `setup.py` reading a variable the build does not set.
pub fn version_files_shaped() -> Vec<ShapedRepo> {
    use HistoryStep::Tag;
    vec![
        ShapedRepo {
            name: "tester",
            files: vec![
                (
                    "src/setup.py",
                    "import os, re\nfrom setuptools import setup, find_packages\n\nhere = os.path.abspath(os.path.dirname(__file__))\nwith open(os.path.join(here, 'spaceone', 'tester', '__init__.py')) as f:\n    VERSION = re.search(r\"__version__ = '(.*)'\", f.read()).group(1)\n\nsetup(\n    name='spaceone-tester',\n    version=VERSION,\n    packages=find_packages(),\n    install_requires=['spaceone-sdk'],\n)\n".to_owned(),
                ),
                ("src/spaceone/tester/__init__.py", "__version__ = '1.12.0'\n".to_owned()),
                ("src/spaceone/tester/main.py", "print('tester')\n".to_owned()),
                ("VERSION", "v1.12.0\n".to_owned()),
                ("docs/VERSION", "1.12.0\n".to_owned()),
                ("deploy/VERSION", "2.0.0.dev3\n".to_owned()),
            ],
            history: vec![Tag("v1.12.0"), Tag("2.0.dev3")],
        },
        ShapedRepo {
            name: "sdk",
            files: vec![
                (
                    "pyproject.toml",
                    "[build-system]\nrequires = [\"setuptools\", \"Spaceone_Tester>=1\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"spaceone-sdk\"\nversion = \"1.12.0\"\ndependencies = [\"grpcio\"]\n".to_owned(),
                ),
                ("spaceone_sdk/__init__.py", String::new()),
            ],
            history: vec![Tag("1.12.0")],
        },
        ShapedRepo {
            name: "legacy",
            files: vec![(
                "setup.py",
                "import os\nsetup(name='legacy-lib', version=os.environ['BUILD_VERSION'])\n".to_owned(),
            )],
            history: vec![Tag("v0.9.0")],
        },
    ]
}
