use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::sandbox::Sandbox;

/// The version every repository's default branch starts with.
pub const INITIAL_VERSION: &str = "v0.9.0";

/// A builder of small fleets: bare repositories with real content and the manifest describing
/// them, in a fresh [`Sandbox`].
///
/// ```no_run
/// # use flotilla_testkit::Fleet;
/// // In a test of the `flotilla` crate: `.binary(env!("CARGO_BIN_EXE_flotilla"))`.
/// let fleet = Fleet::new()
///     .binary("target/debug/flotilla")
///     .repo("api", "backend-core")
///     .repo("identity", "backend").depends_on(&["api"])
///     .build();
/// ```
///
/// Modifiers after `repo` apply to the repository declared last.
#[must_use]
#[derive(Debug, Default)]
pub struct Fleet {
    binary: Option<PathBuf>,
    settings: Vec<String>,
    categories: Vec<String>,
    sections: Vec<String>,
    repos: Vec<RepoSpec>,
}

#[derive(Debug)]
struct RepoSpec {
    name: String,
    category: String,
    depends_on: Vec<String>,
    files: BTreeMap<String, String>,
    commands: Vec<CommandSpec>,
    /// Lines of the repository's manifest entry written as they are (`npm: {binary: npm}`).
    yaml: Vec<String>,
}

#[derive(Debug)]
struct CommandSpec {
    name: String,
    argv: Vec<String>,
    on: Vec<String>,
    timeout_secs: u64,
    env: Vec<String>,
}

impl Fleet {
    pub fn new() -> Self {
        Self::default()
    }

    /// The flotilla binary the sandbox runs.
    pub fn binary(mut self, program: impl Into<PathBuf>) -> Self {
        self.binary = Some(program.into());
        self
    }

    /// Declares a category of the manifest's own: every event, no artifacts. Fleets of these
    /// exercise the git flows without building packages.
    pub fn category(mut self, name: &str) -> Self {
        self.categories.push(format!("  {name}: {{}}"));
        self
    }

    /// A line under `settings:`, e.g. `gate_timeout_secs: 5`.
    pub fn setting(mut self, line: &str) -> Self {
        self.settings.push(format!("  {line}"));
        self
    }

    /// A top-level section of the manifest, written as is.
    pub fn section(mut self, yaml: &str) -> Self {
        self.sections.push(yaml.trim_end().to_owned());
        self
    }

    /// A repository with the content its category publishes: a Python package for
    /// backend-core, backend and tool, a `package.json` for frontend-core, a Helm chart in
    /// `deploy/helm` for frontend and backend; images use the whole tree as their context.
    pub fn repo(mut self, name: &str, category: &str) -> Self {
        let mut files = BTreeMap::from([
            ("VERSION".to_owned(), format!("{INITIAL_VERSION}\n")),
            ("README.md".to_owned(), format!("# {name}\n")),
            (
                ".github/workflows/ci.yaml".to_owned(),
                "name: ci\non: [push]\n".to_owned(),
            ),
        ]);
        if matches!(category, "backend-core" | "backend" | "tool") {
            files.insert(
                format!("src/{}/__init__.py", name.replace('-', "_")),
                format!("NAME = \"{name}\"\n"),
            );
        }
        if category == "frontend-core" {
            files.insert(
                "package.json".to_owned(),
                format!(
                    "{{\n  \"name\": \"{name}\",\n  \"version\": \"0.0.0\",\n  \"main\": \"index.js\"\n}}\n"
                ),
            );
            files.insert(
                "index.js".to_owned(),
                format!("module.exports = {{ name: \"{name}\" }};\n"),
            );
        }
        if matches!(category, "frontend" | "backend") {
            files.insert(
                "deploy/helm/Chart.yaml".to_owned(),
                format!(
                    "apiVersion: v2\nname: {name}\ntype: application\nversion: 0.0.0\nappVersion: \"0.0.0\"\n"
                ),
            );
            files.insert(
                "deploy/helm/values.yaml".to_owned(),
                format!("image:\n  name: fleet/{name}\n  version: latest\n"),
            );
            files.insert(
                "deploy/helm/templates/configmap.yaml".to_owned(),
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  image: \"{{ .Values.image.name }}:{{ .Values.image.version }}\"\n".to_owned(),
            );
        }
        self.repos.push(RepoSpec {
            name: name.to_owned(),
            category: category.to_owned(),
            depends_on: Vec::new(),
            files,
            commands: Vec::new(),
            yaml: Vec::new(),
        });
        self
    }

    pub fn depends_on(mut self, names: &[&str]) -> Self {
        self.last().depends_on = names.iter().map(|n| (*n).to_owned()).collect();
        self
    }

    /// A line of the repository's manifest entry, such as `chart: {image_tag_key: image.tag}`.
    pub fn repo_yaml(mut self, line: &str) -> Self {
        self.last().yaml.push(line.to_owned());
        self
    }

    /// A file of the repository's first commit.
    pub fn file(mut self, path: &str, content: &str) -> Self {
        self.last()
            .files
            .insert(path.to_owned(), content.to_owned());
        self
    }

    /// A command of the repository: `argv` on the events `on`, with a timeout no test reaches.
    pub fn command(mut self, name: &str, argv: &[&str], on: &[&str]) -> Self {
        self.last().commands.push(CommandSpec {
            name: name.to_owned(),
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
            on: on.iter().map(|e| (*e).to_owned()).collect(),
            timeout_secs: 300,
            // Tests steer builds through `FLOTILLA_E2E_*` variables (files to wait for, files
            // to write): commands see nothing of flotilla's environment that is not passed.
            env: vec!["FLOTILLA_E2E_*".to_owned()],
        });
        self
    }

    /// Sets the timeout of the command declared last.
    pub fn timeout_secs(mut self, secs: u64) -> Self {
        self.last()
            .commands
            .last_mut()
            .expect("declare a command with .command() first")
            .timeout_secs = secs;
        self
    }

    /// Adds entries to the `env` of the command declared last.
    pub fn command_env(mut self, entries: &[&str]) -> Self {
        self.last()
            .commands
            .last_mut()
            .expect("declare a command with .command() first")
            .env
            .extend(entries.iter().map(|e| (*e).to_owned()));
        self
    }

    fn last(&mut self) -> &mut RepoSpec {
        self.repos
            .last_mut()
            .expect("declare a repository with .repo() first")
    }

    /// Creates the remotes under `remotes/NAME.git` and writes `flotilla.yaml`.
    pub fn build(self) -> Sandbox {
        let mut sandbox = Sandbox::new();
        if let Some(binary) = &self.binary {
            sandbox = sandbox.binary(binary);
        }
        for repo in &self.repos {
            let files = repo.files.iter().map(|(p, c)| (p.as_str(), c.as_str()));
            sandbox.create_remote(
                &repo.name,
                files,
                &format!("Initial commit of {}", repo.name),
            );
        }
        std::fs::write(sandbox.manifest(), self.manifest()).unwrap();
        sandbox
    }

    fn manifest(&self) -> String {
        let mut yaml = String::from("settings:\n  timezone: UTC\n");
        // A small gate timeout: no test relies on a package appearing late.
        if !self
            .settings
            .iter()
            .any(|s| s.contains("gate_timeout_secs"))
        {
            yaml.push_str("  gate_timeout_secs: 20\n");
        }
        for line in &self.settings {
            let _ = writeln!(yaml, "{line}");
        }
        if !self.categories.is_empty() {
            yaml.push_str("categories:\n");
            for line in &self.categories {
                let _ = writeln!(yaml, "{line}");
            }
        }
        for section in &self.sections {
            let _ = writeln!(yaml, "{section}");
        }
        yaml.push_str("repositories:\n");
        for repo in &self.repos {
            let _ = write!(
                yaml,
                "  - name: {}\n    remote: remotes/{}.git\n    category: {}\n",
                repo.name, repo.name, repo.category
            );
            if !repo.depends_on.is_empty() {
                let _ = writeln!(yaml, "    depends_on: [{}]", repo.depends_on.join(", "));
            }
            for line in &repo.yaml {
                let _ = writeln!(yaml, "    {line}");
            }
            if !repo.commands.is_empty() {
                yaml.push_str("    commands:\n");
                for command in &repo.commands {
                    let argv: Vec<String> = command.argv.iter().map(|a| format!("{a:?}")).collect();
                    let env: Vec<String> = command.env.iter().map(|e| format!("{e:?}")).collect();
                    let _ = write!(
                        yaml,
                        "      - name: {}\n        argv: [{}]\n        on: [{}]\n        timeout_secs: {}\n        env: [{}]\n",
                        command.name,
                        argv.join(", "),
                        command.on.join(", "),
                        command.timeout_secs,
                        env.join(", ")
                    );
                }
            }
        }
        yaml
    }
}
