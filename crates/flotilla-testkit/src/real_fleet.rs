//! A seed-shaped fleet whose repositories really build (`scripts/real-fleet.sh` and the
//! `real_fleet` integration test): the histories and layouts of [`crate::seed_shaped`], with
//! requirements only between members, so that `pip install` and `npm install` from the fleet's
//! own registries resolve everything. Shaped after `cloudforet-io/python-core`, `api`,
//! `identity` (`src/setup.py` reading `PACKAGE_VERSION`, a Dockerfile, `deploy/helm` with
//! `image.version: latest`), `spacectl` (`console_scripts`) and the console's npm packages.
//!
//! `suffix` is appended to every published name (distributions, the npm package), so that
//! runs against shared registries do not meet each other's versions; empty for the real names.

use crate::seed_shaped::HistoryStep::{Branch, Tag};
use crate::seed_shaped::ShapedRepo;

/// Every repository of the real-shaped fleet, in the order `flotilla import` is given them.
pub const ALL: [&str; 8] = [
    "python-core",
    "api",
    "identity",
    "spacectl",
    "spaceone-design-system",
    "console",
    "plugin-aws-ec2-inven-collector",
    "docs",
];

/// The repositories of `names` (a subset of [`ALL`]); requirements name only those present.
pub fn real_fleet(names: &[&str], suffix: &str) -> Vec<ShapedRepo> {
    let core = format!("spaceone-core{suffix}");
    let api = format!("spaceone-api{suffix}");
    let npm = format!("@spaceone/design-system{suffix}");
    let members = |wanted: &[&str]| -> Vec<String> {
        wanted
            .iter()
            .filter(|repo| names.contains(repo))
            .map(|repo| match *repo {
                "python-core" => core.clone(),
                _ => api.clone(),
            })
            .collect()
    };
    let mut fleet = Vec::new();
    for name in names {
        let repo = match *name {
            "python-core" => ShapedRepo {
                name: "python-core",
                files: vec![
                    (
                        "src/setup.py",
                        setup_py(&core, "core", &members(&["api"]), ""),
                    ),
                    ("src/VERSION", "1.12.2\n".to_owned()),
                    ("src/spaceone/core/__init__.py", module("core")),
                    (
                        ".github/workflows/[CI]pypi dev test.yml",
                        workflow("[CI]pypi dev test"),
                    ),
                ],
                history: vec![
                    Tag("v1.10.4"),
                    Tag("v1.11.0"),
                    Branch("release-1.11.0"),
                    Tag("1.12.0"),
                    Branch("release-1.12"),
                    Tag("1.12.2"),
                    Tag("2.0.dev249"),
                ],
            },
            "api" => ShapedRepo {
                name: "api",
                files: vec![
                    ("dist/python/setup.py", setup_py(&api, "api", &[], "")),
                    ("dist/python/spaceone/api/__init__.py", module("api")),
                    (
                        "proto/spaceone/api/core/v1/handler.proto",
                        "syntax = \"proto3\";\n".to_owned(),
                    ),
                    (
                        ".github/workflows/CI_pypi_devTest.yml",
                        workflow("CI pypi devTest"),
                    ),
                ],
                history: vec![
                    Tag("v1.10.0"),
                    Branch("release-1.10.0"),
                    Tag("v1.11.0"),
                    Branch("release-1.11.0"),
                    Tag("2.0.dev12"),
                ],
            },
            "identity" => ShapedRepo {
                name: "identity",
                files: vec![
                    (
                        "src/setup.py",
                        setup_py(
                            &format!("spaceone-identity{suffix}"),
                            "identity",
                            &members(&["python-core", "api"]),
                            "    package_data={\"spaceone.identity\": [\"template/*.html\"]},\n",
                        ),
                    ),
                    ("src/spaceone/identity/__init__.py", module("identity")),
                    (
                        "src/spaceone/identity/template/mail.html",
                        "<p>{{ code }}</p>\n".to_owned(),
                    ),
                    ("pkg/pip_requirements.txt", "\n".to_owned()),
                    ("Dockerfile", dockerfile("spaceone")),
                    ("deploy/helm/Chart.yaml", chart("identity")),
                    ("deploy/helm/values.yaml", values("identity")),
                    (
                        "deploy/helm/templates/deployment.yaml",
                        "image: \"{{ .Values.image.name }}:{{ .Values.image.version }}\"\n"
                            .to_owned(),
                    ),
                    (
                        ".github/workflows/[CI]master push.yml",
                        workflow("[CI]master push"),
                    ),
                ],
                // No version file: master is on 2.0 by its tags only.
                history: vec![
                    Tag("v1.11.0"),
                    Branch("release-1.11.0"),
                    Tag("v1.12.0"),
                    Branch("release-1.12.0"),
                    Tag("2.0.dev249"),
                ],
            },
            "spacectl" => ShapedRepo {
                name: "spacectl",
                files: vec![
                    (
                        "src/setup.py",
                        setup_py(
                            &format!("spacectl{suffix}"),
                            "spacectl",
                            &members(&["python-core", "api"]),
                            "    entry_points={\n        'console_scripts': [\n            'spacectl = spacectl.main:main',\n        ]\n    },\n",
                        ),
                    ),
                    ("src/VERSION", "1.11.0\n".to_owned()),
                    ("src/spacectl/__init__.py", String::new()),
                    ("src/spacectl/main.py", spacectl_main(&format!("spacectl{suffix}"), names)),
                    ("Dockerfile", dockerfile("spacectl")),
                    (".github/workflows/ci-master.yml", workflow("CI master")),
                ],
                history: vec![Tag("v1.10.0"), Tag("v1.11.0"), Branch("release-1.11.0")],
            },
            "spaceone-design-system" => ShapedRepo {
                name: "spaceone-design-system",
                files: vec![
                    (
                        "package.json",
                        format!(
                            "{{\n  \"name\": \"{npm}\",\n  \"version\": \"1.1.0\",\n  \"main\": \"dist/index.js\",\n  \"files\": [\"dist\"],\n  \"scripts\": {{\n    \"prepack\": \"node build.js\"\n  }},\n  \"license\": \"Apache-2.0\"\n}}\n"
                        ),
                    ),
                    (
                        "build.js",
                        "// The build: writes dist/ from src/ with the version being packed.\nconst fs = require('fs');\nconst pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));\nconst src = fs.readFileSync('src/index.js', 'utf8');\nfs.mkdirSync('dist', { recursive: true });\nfs.writeFileSync('dist/index.js', src.replace('__VERSION__', pkg.version));\n".to_owned(),
                    ),
                    (
                        "src/index.js",
                        "module.exports = { name: 'design-system', version: '__VERSION__' };\n"
                            .to_owned(),
                    ),
                    (".gitignore", "dist/\nnode_modules/\n".to_owned()),
                ],
                history: vec![Tag("v1.0.0"), Tag("v1.1.0")],
            },
            "console" => ShapedRepo {
                name: "console",
                files: vec![
                    (
                        "package.json",
                        format!(
                            "{{\n  \"name\": \"spaceone-console\",\n  \"private\": true,\n  \"scripts\": {{\"build\": \"vue-cli-service build\"}},\n  \"dependencies\": {{\n    \"{npm}\": \"^1.1.0\"\n  }}\n}}\n"
                        ),
                    ),
                    ("src/main.ts", "export {};\n".to_owned()),
                    (
                        "Dockerfile",
                        "FROM nginx:stable\nCOPY dist /usr/share/nginx/html\n".to_owned(),
                    ),
                    ("deploy/helm/Chart.yaml", chart("console")),
                    ("deploy/helm/values.yaml", values("console")),
                    (
                        ".github/workflows/[CI]master push.yml",
                        workflow("[CI]master push"),
                    ),
                ],
                history: vec![Tag("v1.11.0"), Branch("release-1.11.0"), Tag("v1.12.0")],
            },
            "plugin-aws-ec2-inven-collector" => ShapedRepo {
                name: "plugin-aws-ec2-inven-collector",
                files: vec![
                    (
                        "src/setup.py",
                        setup_py(
                            &format!("plugin-aws-ec2{suffix}"),
                            "inventory_collector",
                            &members(&["python-core", "api"]),
                            "",
                        ),
                    ),
                    ("src/VERSION", "v1.13\n".to_owned()),
                    (
                        "src/spaceone/inventory_collector/__init__.py",
                        module("inventory_collector"),
                    ),
                    ("Dockerfile", dockerfile("spaceone")),
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
            "docs" => ShapedRepo {
                name: "docs",
                files: vec![("README.md", "# Documentation\n".to_owned())],
                history: vec![],
            },
            other => panic!("no repository {other} in the real-shaped fleet"),
        };
        fleet.push(repo);
    }
    fleet
}

/// A `setup.py` as the platform writes them: the version from `PACKAGE_VERSION`, packages of
/// the `spaceone` namespace, requirements on other members.
fn setup_py(name: &str, module: &str, requires: &[String], extra: &str) -> String {
    let requires: String = requires.iter().fold(String::new(), |mut out, r| {
        out.push_str("        \"");
        out.push_str(r);
        out.push_str("\",\n");
        out
    });
    let packages = if module == "spacectl" {
        "find_packages()".to_owned()
    } else {
        format!("find_namespace_packages(include=[\"spaceone.{module}*\"])")
    };
    format!(
        "#\n#   Copyright 2020 The SpaceONE Authors.\n#\n#   Licensed under the Apache License, Version 2.0\n#\nimport os\n\nfrom setuptools import setup, find_packages, find_namespace_packages\n\nsetup(\n    name=\"{name}\",\n    version=os.environ.get(\"PACKAGE_VERSION\"),\n    description=\"{name}\",\n    license=\"Apache License 2.0\",\n    packages={packages},\n    install_requires=[\n{requires}    ],\n{extra}    zip_safe=False,\n)\n"
    )
}

fn module(name: &str) -> String {
    format!("NAME = \"{name}\"\n")
}

fn spacectl_main(dist: &str, names: &[&str]) -> String {
    let mut imports = String::new();
    let mut shown = String::new();
    for (repo, module) in [("python-core", "core"), ("api", "api")] {
        if names.contains(&repo) {
            imports.push_str(&format!("import spaceone.{module}\n"));
            shown.push_str(&format!(", spaceone.{module}.NAME"));
        }
    }
    format!(
        "from importlib import metadata\n\n{imports}\n\ndef main():\n    print(\"spacectl\", metadata.version(\"{dist}\"){shown})\n"
    )
}

fn dockerfile(entry: &str) -> String {
    format!(
        "FROM cloudforet/python-core:2.0\nARG PACKAGE_VERSION\nENV PACKAGE_VERSION=$PACKAGE_VERSION\nCOPY pkg/pip_requirements.txt pip_requirements.txt\nRUN pip install -r pip_requirements.txt\nCOPY src /tmp/src\nWORKDIR /tmp/src\nRUN python3 setup.py install\nENTRYPOINT [\"{entry}\"]\n"
    )
}

fn chart(name: &str) -> String {
    format!(
        "apiVersion: v2\nname: {name}\ndescription: {name} Helm chart for Kubernetes\ntype: application\nversion: 1.1.2\nappVersion: 1.x.y\n"
    )
}

fn values(name: &str) -> String {
    format!(
        "enabled: true\nreplicas: 1\nimage:\n  name: spaceone/{name}\n  version: latest\nimagePullPolicy: IfNotPresent\n"
    )
}

fn workflow(name: &str) -> String {
    format!(
        "name: \"{name}\"\non:\n  workflow_dispatch:\njobs:\n  job:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo {name}\n"
    )
}
