//! The demo's sample fleet: repositories shaped like the seed's table, each with a tiny real
//! build, and the manifest that describes them.

use std::fmt::Write as _;

/// One repository of the sample fleet.
#[derive(Debug, Clone)]
pub struct SampleRepo {
    pub name: &'static str,
    pub category: &'static str,
    pub depends_on: &'static [&'static str],
}

/// The seed's categories, one or more repositories each (issue: at least these).
pub const SAMPLE_REPOS: &[SampleRepo] = &[
    SampleRepo {
        name: "api",
        category: "backend-core",
        depends_on: &[],
    },
    SampleRepo {
        name: "python-core",
        category: "backend-core",
        depends_on: &[],
    },
    SampleRepo {
        name: "spaceone-design-system",
        category: "frontend-core",
        depends_on: &[],
    },
    SampleRepo {
        name: "console",
        category: "frontend",
        depends_on: &["spaceone-design-system"],
    },
    SampleRepo {
        name: "console-api",
        category: "frontend",
        depends_on: &["api"],
    },
    SampleRepo {
        name: "identity",
        category: "backend",
        depends_on: &["python-core", "api"],
    },
    SampleRepo {
        name: "inventory",
        category: "backend",
        depends_on: &["python-core", "api"],
    },
    SampleRepo {
        name: "config",
        category: "backend",
        depends_on: &["python-core", "api"],
    },
    SampleRepo {
        name: "monitoring",
        category: "backend",
        depends_on: &["python-core", "api"],
    },
    SampleRepo {
        name: "plugin-aws-ec2-inven-collector",
        category: "plugin",
        depends_on: &["python-core"],
    },
    SampleRepo {
        name: "plugin-slack-notification-protocol",
        category: "plugin",
        depends_on: &["python-core"],
    },
    SampleRepo {
        name: "spacectl",
        category: "tool",
        depends_on: &["api"],
    },
];

/// The version every sample repository's master starts with.
pub const INITIAL_VERSION: &str = "v0.9.0";

impl SampleRepo {
    fn publishes_python(&self) -> bool {
        matches!(self.category, "backend-core" | "backend" | "tool")
    }

    fn publishes_npm(&self) -> bool {
        self.category == "frontend-core"
    }

    fn publishes_image(&self) -> bool {
        matches!(self.category, "frontend" | "backend" | "plugin" | "tool")
    }

    fn has_master_push(&self) -> bool {
        !self.category.ends_with("-core")
    }

    fn has_chart(&self) -> bool {
        matches!(self.category, "frontend" | "backend")
    }

    /// The Python import package, e.g. `spaceone_python_core`.
    pub fn python_package(&self) -> String {
        format!("spaceone_{}", self.name.replace('-', "_"))
    }

    /// The Python distribution name, e.g. `spaceone-python-core`.
    pub fn python_name(&self) -> String {
        format!("spaceone-{}", self.name)
    }

    /// The files of the repository's first commit.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut files = vec![
            ("VERSION".to_owned(), format!("{INITIAL_VERSION}\n")),
            (
                "README.md".to_owned(),
                format!(
                    "# {}\n\nA sample {} repository of the flotilla demo.\n",
                    self.name, self.category
                ),
            ),
            (
                ".github/workflows/ci.yaml".to_owned(),
                "# Rendered by flotilla; removed on release branches.\nname: ci\non: [push]\n"
                    .to_owned(),
            ),
            ("scripts/build.sh".to_owned(), BUILD_SCRIPT.to_owned()),
        ];
        if self.publishes_python() {
            let package = self.python_package();
            files.push((
                format!("src/{package}/__init__.py"),
                format!(
                    "\"\"\"{name}: a sample package of the flotilla demo.\"\"\"\n\nNAME = \"{name}\"\n\n\ndef hello():\n    return f\"hello from {{NAME}}\"\n",
                    name = self.name
                ),
            ));
        }
        if self.publishes_npm() {
            files.push((
                "package.json".to_owned(),
                format!(
                    "{{\n  \"name\": \"{}\",\n  \"version\": \"0.0.0\",\n  \"main\": \"index.js\",\n  \"license\": \"Apache-2.0\"\n}}\n",
                    self.name
                ),
            ));
            files.push((
                "index.js".to_owned(),
                format!("module.exports = {{ name: \"{}\" }};\n", self.name),
            ));
        }
        if self.publishes_image() {
            files.push((
                "image/app/service.txt".to_owned(),
                format!("service={}\n", self.name),
            ));
        }
        if self.has_chart() {
            files.push((
                "deploy/helm/Chart.yaml".to_owned(),
                format!(
                    "apiVersion: v2\nname: {}\ndescription: A Helm chart for {}\ntype: application\nversion: 0.0.0\nappVersion: \"0.0.0\"\n",
                    self.name, self.name
                ),
            ));
            files.push((
                "deploy/helm/values.yaml".to_owned(),
                format!(
                    "image:\n  name: spaceone/{}\n  version: latest\n",
                    self.name
                ),
            ));
            files.push((
                "deploy/helm/templates/deployment.yaml".to_owned(),
                format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: {name}\n          image: \"{{{{ .Values.image.name }}}}:{{{{ .Values.image.version }}}}\"\n",
                    name = self.name
                ),
            ));
        }
        files
    }

    /// The repository's entry in the demo manifest.
    fn manifest_entry(&self, remote: &str) -> String {
        let mut entry = format!(
            "  - name: {}\n    remote: {remote}\n    category: {}\n",
            self.name, self.category
        );
        if !self.depends_on.is_empty() {
            let _ = writeln!(entry, "    depends_on: [{}]", self.depends_on.join(", "));
        }
        if self.publishes_python() {
            let _ = writeln!(
                entry,
                "    python:\n      name: {}\n      source: src",
                self.python_name()
            );
        }
        if self.publishes_image() {
            entry.push_str("    image:\n      context: image\n");
        }
        if self.publishes_npm() {
            entry.push_str("    hotfix_semver: patch-bump\n");
        }
        if self.has_chart() {
            entry.push_str("    hotfix_semver: build-metadata\n");
        }
        let on = if self.has_master_push() {
            "[push, tag]"
        } else {
            "[tag]"
        };
        let _ = writeln!(
            entry,
            "    commands:\n      - name: build\n        argv: [sh, scripts/build.sh]\n        on: {on}\n        timeout_secs: 60"
        );
        entry
    }
}

/// A tiny real build: it records what it built into the image context, using the variables
/// flotilla passes to every command.
const BUILD_SCRIPT: &str = r#"#!/bin/sh
set -eu
mkdir -p image/app
printf 'repo=%s\nversion=%s\npep440=%s\nevent=%s\n' \
  "$FLOTILLA_REPO" "$FLOTILLA_VERSION" "$FLOTILLA_PEP440" "$FLOTILLA_EVENT" > image/app/build-info.txt
echo "built $FLOTILLA_REPO $FLOTILLA_VERSION"
"#;

/// The deploy repository's values files, one per environment, in the shape of the original's
/// umbrella chart (REFERENCE.md §A, Helm): `<service>.image.version` for every service with an
/// image.
pub fn deploy_values(environment: &str) -> String {
    let mut text = format!(
        "# Umbrella chart values for {environment}.\n\
         # flotilla writes image versions back here; Argo CD or Flux syncs the cluster from it.\n"
    );
    for repo in SAMPLE_REPOS.iter().filter(|r| r.publishes_image()) {
        let image = repo.name.strip_prefix("plugin-").unwrap_or(repo.name);
        let _ = writeln!(
            text,
            "{name}:\n  enabled: true\n  image:\n    name: spaceone/{image}\n    version: latest  # set by flotilla",
            name = repo.name
        );
    }
    text
}

/// The environments of the demo: dev follows master builds, stg release candidates, prd
/// finals and hotfixes after an approval; all by GitOps write-back into `remotes/deploy.git`.
const ENVIRONMENTS: &str = "environments:
  - name: dev
    dev_builds: true
    channels: [dev]
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/dev.yaml}
  - name: stg
    channels: [rc]
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/stg.yaml}
  - name: prd
    channels: [final, hotfix]
    approval: true
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/prd.yaml}
";

/// Real servers the demo publishes to instead of the embedded local directories.
#[derive(Debug, Clone, Default)]
pub struct DemoRegistries {
    /// OCI registry URL for images and charts, e.g. `http://127.0.0.1:5000`.
    pub oci: Option<String>,
    /// PyPI upload URL, e.g. `http://127.0.0.1:8081`.
    pub pypi: Option<String>,
    /// npm registry URL, e.g. `http://127.0.0.1:4873`.
    pub npm: Option<String>,
}

impl DemoRegistries {
    /// Commands that look at what the demo in `root` made with tools other than flotilla,
    /// where it made it: the servers it was given, or the embedded directories.
    pub fn check_commands(&self, root: &str) -> Vec<String> {
        let manifest = format!("{root}/flotilla.yaml");
        let mut commands = vec![format!(
            "git -C {root}/remotes/identity.git log --oneline --decorate --all"
        )];
        commands.push(match &self.pypi {
            Some(url) => format!(
                "pip install --index-url {}/simple/ spaceone-identity==1.0.0.1",
                url.trim_end_matches('/')
            ),
            None => format!(
                "pip install --index-url file://{root}/.flotilla/artifacts/pypi/simple/ \
                 spaceone-identity==1.0.0.1"
            ),
        });
        commands.push(match &self.npm {
            Some(url) => format!("npm install --registry {url} spaceone-design-system@1.0.0"),
            None => format!(
                "npm install {root}/.flotilla/artifacts/npm/spaceone-design-system-1.0.0.tgz"
            ),
        });
        match &self.oci {
            Some(url) => {
                let host = url
                    .trim_end_matches('/')
                    .trim_start_matches("https://")
                    .trim_start_matches("http://");
                let tls = if url.starts_with("http://") {
                    " --tls-verify=false"
                } else {
                    ""
                };
                commands.push(format!(
                    "skopeo inspect{tls} docker://{host}/spaceone/identity:1.0.0.1"
                ));
                commands.push(format!(
                    "curl -s {}/v2/charts/identity/tags/list",
                    url.trim_end_matches('/')
                ));
            }
            None => commands.push(format!(
                "skopeo inspect oci:{root}/.flotilla/artifacts/oci/spaceone/identity:1.0.0.1"
            )),
        }
        commands.push(format!("git -C {root}/remotes/deploy.git log --oneline"));
        commands.push(format!(
            "flotilla -f {manifest} deploy history identity --env prd"
        ));
        commands.push(format!("flotilla -f {manifest} release list"));
        commands
    }

    fn section(&self) -> String {
        if self.oci.is_none() && self.pypi.is_none() && self.npm.is_none() {
            return String::new();
        }
        let entry = |name: &str, kind: &str, url: Option<&String>, local: &str| match url {
            Some(url) => format!(
                "  {name}:\n    kind: {kind}\n    url: {url}\n    insecure: {}\n",
                url.starts_with("http://")
            ),
            None => format!("  {name}:\n    kind: {kind}\n    url: {local}\n"),
        };
        let mut text = String::from("registries:\n");
        text.push_str(&entry(
            "images",
            "image",
            self.oci.as_ref(),
            ".flotilla/artifacts/oci",
        ));
        text.push_str(&entry(
            "pypi",
            "pypi",
            self.pypi.as_ref(),
            ".flotilla/artifacts/pypi",
        ));
        text.push_str(&entry(
            "npm",
            "npm",
            self.npm.as_ref(),
            ".flotilla/artifacts/npm",
        ));
        let charts = self
            .oci
            .as_ref()
            .map(|url| format!("{}/charts", url.trim_end_matches('/')));
        text.push_str(&entry(
            "charts",
            "chart",
            charts.as_ref(),
            ".flotilla/artifacts/charts",
        ));
        text
    }
}

/// The demo manifest; `remote_of` gives each repository's remote.
pub fn manifest(remote_of: impl Fn(&str) -> String, registries: &DemoRegistries) -> String {
    let mut text = String::from(
        "# The flotilla demo fleet: local bare repositories and the embedded local registries.\n\
         settings:\n  image_namespace: spaceone\n  timezone: Asia/Seoul\n  gate_timeout_secs: 30\n\
         ",
    );
    text.push_str(&registries.section());
    text.push_str("repositories:\n");
    for repo in SAMPLE_REPOS {
        text.push_str(&repo.manifest_entry(&remote_of(repo.name)));
    }
    text.push_str(ENVIRONMENTS);
    text
}
