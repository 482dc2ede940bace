//! What a repository's Python build declares: read from `setup.py` (without running it) or
//! `pyproject.toml`.

use serde::Serialize;

use super::source_text;
use super::toml_lite::TomlLite;

/// A Python project found in a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PythonProject {
    /// The file it was read from (`src/setup.py`).
    pub file: String,
    /// The directory holding it (`src`; `.` at the root).
    pub dir: String,
    /// The distribution name, when written as a literal.
    pub name: Option<String>,
    /// Names of the distributions it requires (`install_requires`, `[project] dependencies`,
    /// Poetry's dependencies), as written, without versions, extras or markers.
    pub requires: Vec<String>,
    /// How its version is set.
    pub version_source: VersionSource,
    /// Whether it installs commands (`console_scripts`, `[project.scripts]`).
    pub console_scripts: bool,
    /// Names of the distributions its build needs (`[build-system] requires` of
    /// `pyproject.toml`), without versions.
    pub build_requires: Vec<String>,
    /// What could not be read, in words.
    pub unread: Vec<String>,
}

/// Where a Python project takes its version from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum VersionSource {
    /// An environment variable (`os.environ.get("PACKAGE_VERSION")`).
    Environment(String),
    /// A file read by the build (`open('VERSION')`), relative to the project's directory.
    File(String),
    /// A Python module's `__version__`: a file opened by the build (`spacectl/__init__.py`,
    /// relative to the project's directory) or a module imported (`spacectl.version`).
    Module(String),
    /// A literal in the build file.
    Static(String),
    /// Computed by a build backend plugin (setuptools_scm, `dynamic = ["version"]`).
    Dynamic,
    Unknown,
}

impl PythonProject {
    /// Reads `setup.py` at `file` from its text.
    pub fn from_setup_py(file: &str, text: &str) -> Self {
        let code = source_text::strip_python_comments(text);
        let mut unread = Vec::new();
        let name = match source_text::keyword_value(&code, "name") {
            Some(source_text::Value::Text(name)) => Some(name),
            Some(source_text::Value::Expression(expr)) => {
                unread.push(format!("the distribution name is computed (`name={expr}`)"));
                None
            }
            None => {
                unread.push("no `name=` in setup()".to_owned());
                None
            }
        };
        let requires = match source_text::keyword_list(&code, "install_requires") {
            Some(Ok(items)) => items.iter().filter_map(|r| requirement_name(r)).collect(),
            Some(Err(expr)) => {
                unread.push(format!("install_requires is computed (`{expr}`)"));
                Vec::new()
            }
            None => Vec::new(),
        };
        let version_source = match source_text::keyword_value(&code, "version") {
            Some(source_text::Value::Text(version)) => VersionSource::Static(version),
            Some(source_text::Value::Expression(expr)) => setup_py_version(&code, &expr),
            None => VersionSource::Unknown,
        };
        Self {
            file: file.to_owned(),
            dir: parent(file),
            name,
            requires,
            version_source,
            console_scripts: code.contains("console_scripts"),
            build_requires: Vec::new(),
            unread,
        }
    }

    /// Reads `pyproject.toml` at `file` from its text: `[project]` (PEP 621) or
    /// `[tool.poetry]`.
    pub fn from_pyproject(file: &str, text: &str) -> Self {
        let toml = TomlLite::parse(text);
        let mut unread = Vec::new();
        let name = toml
            .string("project", "name")
            .or_else(|| toml.string("tool.poetry", "name"));
        if name.is_none() {
            unread.push("no name in [project] or [tool.poetry]".to_owned());
        }
        let mut requires: Vec<String> = toml
            .strings("project", "dependencies")
            .iter()
            .filter_map(|r| requirement_name(r))
            .collect();
        requires.extend(
            toml.keys("tool.poetry.dependencies")
                .into_iter()
                .filter(|k| k != "python"),
        );
        let dynamic = toml.strings("project", "dynamic");
        let version_source =
            if dynamic.iter().any(|d| d == "version") || toml.has_table("tool.setuptools_scm") {
                VersionSource::Dynamic
            } else if let Some(version) = toml
                .string("project", "version")
                .or_else(|| toml.string("tool.poetry", "version"))
            {
                VersionSource::Static(version)
            } else {
                VersionSource::Unknown
            };
        Self {
            file: file.to_owned(),
            dir: parent(file),
            name,
            requires,
            version_source,
            build_requires: toml
                .strings("build-system", "requires")
                .iter()
                .filter_map(|r| requirement_name(r))
                .collect(),
            console_scripts: toml.has_table("project.scripts")
                || toml.has_table("tool.poetry.scripts"),
            unread,
        }
    }

    /// Reads setuptools' declarative `setup.cfg` at `file`: `[metadata] name` and `version`,
    /// `[options] install_requires`, `[options.entry_points] console_scripts`.
    pub fn from_setup_cfg(file: &str, text: &str) -> Self {
        let mut sections: std::collections::BTreeMap<(String, String), String> =
            std::collections::BTreeMap::new();
        let mut section = String::new();
        let mut last: Option<(String, String)> = None;
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
                continue;
            }
            if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                name.trim().clone_into(&mut section);
                last = None;
            } else if line.starts_with([' ', '\t']) {
                if let Some(value) = last.as_ref().and_then(|key| sections.get_mut(key)) {
                    value.push('\n');
                    value.push_str(trimmed);
                }
            } else if let Some((key, value)) = trimmed.split_once(['=', ':']) {
                let key = (section.clone(), key.trim().to_owned());
                sections.insert(key.clone(), value.trim().to_owned());
                last = Some(key);
            }
        }
        let get = |section: &str, key: &str| {
            sections
                .get(&(section.to_owned(), key.to_owned()))
                .map(String::as_str)
        };
        let name = get("metadata", "name").map(str::to_owned);
        let version_source = match get("metadata", "version") {
            Some(v) if v.starts_with("file:") => {
                VersionSource::File(v["file:".len()..].trim().to_owned())
            }
            Some(v) if v.starts_with("attr:") => VersionSource::Dynamic,
            Some(v) if !v.is_empty() => VersionSource::Static(v.to_owned()),
            _ => VersionSource::Unknown,
        };
        let requires = get("options", "install_requires")
            .unwrap_or_default()
            .lines()
            .filter_map(requirement_name)
            .collect();
        Self {
            file: file.to_owned(),
            dir: parent(file),
            unread: if name.is_none() {
                vec!["no name in [metadata]".to_owned()]
            } else {
                Vec::new()
            },
            name,
            requires,
            version_source,
            console_scripts: get("options.entry_points", "console_scripts").is_some(),
            build_requires: Vec::new(),
        }
    }

    /// Where the `__version__` module the build reads may be, relative to the repository's
    /// root, likeliest first: the file opened, or an imported module as a package or a module,
    /// beside the build file or under its `src/`.
    pub fn version_module_candidates(&self) -> Vec<String> {
        let VersionSource::Module(module) = &self.version_source else {
            return Vec::new();
        };
        let in_dir = |path: &str| {
            if self.dir == "." {
                path.to_owned()
            } else {
                format!("{}/{path}", self.dir)
            }
        };
        if is_python_file(module) {
            return vec![in_dir(module)];
        }
        let path = module.replace('.', "/");
        ["", "src/"]
            .iter()
            .flat_map(|prefix| {
                [
                    in_dir(&format!("{prefix}{path}/__init__.py")),
                    in_dir(&format!("{prefix}{path}.py")),
                ]
            })
            .collect()
    }

    /// The version file the build reads, relative to the repository's root.
    pub fn version_file(&self) -> Option<String> {
        match &self.version_source {
            VersionSource::File(file) if self.dir == "." => Some(file.clone()),
            VersionSource::File(file) => Some(format!("{}/{file}", self.dir)),
            _ => None,
        }
    }
}

/// `version=X` where X is an expression: an environment variable read, or a file read earlier.
fn setup_py_version(code: &str, expr: &str) -> VersionSource {
    if let Some(variable) = environment_variable(expr) {
        return VersionSource::Environment(variable);
    }
    // `version=about['__version__']` after `exec(open('pkg/__version__.py').read(), about)`,
    // `version=pkg.__version__`, `from pkg import __version__`.
    if code.contains("__version__")
        && let Some(module) = opened_module(code).or_else(|| imported_module(code, expr))
    {
        return VersionSource::Module(module);
    }
    // `version=VERSION` with `VERSION = f.read()` after `open('VERSION')`: the file opened.
    if let Some(file) = opened_file(code) {
        return VersionSource::File(file);
    }
    if expr.contains("use_scm_version") || code.contains("setuptools_scm") {
        return VersionSource::Dynamic;
    }
    VersionSource::Unknown
}

fn environment_variable(expr: &str) -> Option<String> {
    let start = expr
        .find("environ.get(")
        .map(|at| at + "environ.get(".len())
        .or_else(|| expr.find("environ[").map(|at| at + "environ[".len()))
        .or_else(|| expr.find("getenv(").map(|at| at + "getenv(".len()))?;
    source_text::leading_string(&expr[start..])
}

/// `pkg/__init__.py`: a Python module's file (Python's own names are case-sensitive).
fn is_python_file(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|extension| extension == "py")
}

/// The Python file an `open(` call opens: its string literals joined as a path, up to the one
/// ending in `.py` (`open(os.path.join(here, 'pkg', '__init__.py'))` → `pkg/__init__.py`).
fn opened_module(code: &str) -> Option<String> {
    let mut rest = code;
    while let Some(at) = rest.find("open(") {
        let argument = &rest[at + "open(".len()..];
        let end = argument.find(')').unwrap_or(argument.len());
        let mut parts = Vec::new();
        for literal in source_text::string_literals(&argument[..end]) {
            let done = is_python_file(&literal);
            parts.push(literal.trim_start_matches("./").to_owned());
            if done {
                return Some(parts.join("/"));
            }
        }
        rest = argument;
    }
    None
}

/// The module whose `__version__` the build imports: `version=pkg.mod.__version__`, or
/// `from pkg.mod import __version__`.
fn imported_module(code: &str, expr: &str) -> Option<String> {
    let dotted = |text: &str| {
        !text.is_empty()
            && text
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    };
    if let Some(module) = expr.trim().strip_suffix(".__version__")
        && dotted(module)
    {
        return Some(module.to_owned());
    }
    code.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("from ")?;
        let (module, names) = rest.split_once(" import ")?;
        (names.split(',').any(|n| n.trim() == "__version__") && dotted(module.trim()))
            .then(|| module.trim().to_owned())
    })
}

fn opened_file(code: &str) -> Option<String> {
    let at = code.find("open(")?;
    let argument = &code[at + "open(".len()..];
    let argument = argument.trim_start();
    // `open(os.path.join(here, 'VERSION'))`: the last string literal of the call.
    let end = argument.find(')').unwrap_or(argument.len());
    let call = &argument[..end];
    source_text::string_literals(call)
        .into_iter()
        .find(|literal| {
            literal
                .rsplit('/')
                .next()
                .is_some_and(|name| name.to_ascii_lowercase().contains("version"))
        })
}

fn parent(file: &str) -> String {
    match file.rsplit_once('/') {
        Some((dir, _)) => dir.to_owned(),
        None => ".".to_owned(),
    }
}

/// The distribution name of a requirement (`spaceone-core>=1.0; python_version>"3"` →
/// `spaceone-core`); `None` for an URL or an option line.
pub fn requirement_name(requirement: &str) -> Option<String> {
    let requirement = requirement.trim();
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    let name = &requirement[..end];
    (!name.is_empty() && name.starts_with(|c: char| c.is_ascii_alphanumeric()))
        .then(|| name.to_owned())
}

/// PEP 503's normalized form, under which `Spaceone_Core` and `spaceone-core` are one name.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE: &str = r#"
import os
from setuptools import setup, find_packages

setup(
    name="spaceone-identity",
    version=os.environ.get("PACKAGE_VERSION"),
    packages=find_packages(),
    install_requires=[
        "spaceone-core",
        "spaceone-api>=2.0",
        # "grpcio",
        "bcrypt[extra] ; python_version > '3.7'",
    ],
    package_data={"spaceone": ["identity/template/*.html"]},
    zip_safe=False,
)
"#;

    const TOOL: &str = r"
from setuptools import setup, find_packages

with open('VERSION', 'r') as f:
    VERSION = f.read().strip()
    f.close()

setup(
    name='spacectl',
    version=VERSION,
    install_requires=['spaceone-core', 'Click'],
    entry_points={'console_scripts': ['spacectl = spacectl.main:main']},
)
";

    #[test]
    fn a_service_setup_py_reads_its_version_from_the_environment() {
        let project = PythonProject::from_setup_py("src/setup.py", SERVICE);
        assert_eq!(project.name.as_deref(), Some("spaceone-identity"));
        assert_eq!(project.dir, "src");
        assert_eq!(
            project.requires,
            ["spaceone-core", "spaceone-api", "bcrypt"],
            "the commented-out requirement is not one"
        );
        assert_eq!(
            project.version_source,
            VersionSource::Environment("PACKAGE_VERSION".to_owned())
        );
        assert!(!project.console_scripts);
        assert_eq!(project.version_file(), None);
        assert!(project.unread.is_empty());
    }

    #[test]
    fn a_tool_setup_py_reads_a_version_file_and_installs_a_command() {
        let project = PythonProject::from_setup_py("src/setup.py", TOOL);
        assert_eq!(project.name.as_deref(), Some("spacectl"));
        assert_eq!(project.requires, ["spaceone-core", "Click"]);
        assert_eq!(
            project.version_source,
            VersionSource::File("VERSION".to_owned())
        );
        assert_eq!(project.version_file().as_deref(), Some("src/VERSION"));
        assert!(project.console_scripts);
    }

    #[test]
    fn a_version_module_is_found_where_setup_py_reads_it() {
        let opened = PythonProject::from_setup_py(
            "src/setup.py",
            "import os, re\nhere = os.path.dirname(__file__)\nwith open(os.path.join(here, 'spaceone', 'tester', '__init__.py')) as f:\n    VERSION = re.search(r'__version__ = \"(.*)\"', f.read()).group(1)\nsetup(name='spaceone-tester', version=VERSION)\n",
        );
        assert_eq!(
            opened.version_source,
            VersionSource::Module("spaceone/tester/__init__.py".to_owned())
        );
        assert_eq!(
            opened.version_module_candidates(),
            ["src/spaceone/tester/__init__.py"]
        );
        let imported = PythonProject::from_setup_py(
            "setup.py",
            "from setuptools import setup\nfrom spacectl.version import __version__\nsetup(name='spacectl', version=__version__)\n",
        );
        assert_eq!(
            imported.version_source,
            VersionSource::Module("spacectl.version".to_owned())
        );
        assert_eq!(
            imported.version_module_candidates(),
            [
                "spacectl/version/__init__.py",
                "spacectl/version.py",
                "src/spacectl/version/__init__.py",
                "src/spacectl/version.py"
            ]
        );
        let attribute = PythonProject::from_setup_py(
            "setup.py",
            "import spacectl\nsetup(name='spacectl', version=spacectl.__version__)\n",
        );
        assert_eq!(
            attribute.version_source,
            VersionSource::Module("spacectl".to_owned())
        );
        // A plain version file is still a file.
        let tool = PythonProject::from_setup_py("src/setup.py", TOOL);
        assert_eq!(
            tool.version_source,
            VersionSource::File("VERSION".to_owned())
        );
    }

    #[test]
    fn computed_names_and_requirements_are_reported_as_unread() {
        let project = PythonProject::from_setup_py(
            "setup.py",
            "NAME = 'x'\nsetup(name=NAME, version='1.0.0', install_requires=load('req.txt'))\n",
        );
        assert_eq!(project.name, None);
        assert_eq!(project.dir, ".");
        assert_eq!(
            project.version_source,
            VersionSource::Static("1.0.0".to_owned())
        );
        assert_eq!(
            project.unread,
            [
                "the distribution name is computed (`name=NAME`)",
                "install_requires is computed (`load('req.txt')`)"
            ]
        );
    }

    #[test]
    fn pyproject_reads_pep_621_and_poetry() {
        let pep621 = PythonProject::from_pyproject(
            "pyproject.toml",
            "[build-system]\nrequires = [\"setuptools\"]\n\n[project]\nname = \"spaceone-core\"\ndynamic = [\"version\"]\ndependencies = [\n  \"grpcio>=1.0\",\n  'PyYAML',\n]\n\n[project.scripts]\nspaceone = \"spaceone.core.command:main\"\n",
        );
        assert_eq!(pep621.name.as_deref(), Some("spaceone-core"));
        assert_eq!(pep621.requires, ["grpcio", "PyYAML"]);
        assert_eq!(pep621.version_source, VersionSource::Dynamic);
        assert!(pep621.console_scripts);
        let poetry = PythonProject::from_pyproject(
            "tools/pyproject.toml",
            "[tool.poetry]\nname = \"tester\"\nversion = \"1.2.0\"\n\n[tool.poetry.dependencies]\npython = \"^3.8\"\nspaceone-core = \"*\"\n",
        );
        assert_eq!(poetry.name.as_deref(), Some("tester"));
        assert_eq!(poetry.dir, "tools");
        assert_eq!(poetry.requires, ["spaceone-core"]);
        assert_eq!(
            poetry.version_source,
            VersionSource::Static("1.2.0".to_owned())
        );
    }

    #[test]
    fn a_declarative_setup_cfg_is_read() {
        let project = PythonProject::from_setup_cfg(
            "src/setup.cfg",
            "[metadata]\nname = spaceone-inventory\nversion = file: VERSION\n\n[options]\npackages = find:\ninstall_requires =\n    spaceone-core>=2.0\n    # a comment\n    boto3; python_version > '3.7'\n\n[options.entry_points]\nconsole_scripts =\n    inv = inventory.main:main\n",
        );
        assert_eq!(project.name.as_deref(), Some("spaceone-inventory"));
        assert_eq!(project.requires, ["spaceone-core", "boto3"]);
        assert_eq!(project.version_file().as_deref(), Some("src/VERSION"));
        assert!(project.console_scripts);
    }

    #[test]
    fn names_normalize_as_pep_503_says() {
        assert_eq!(normalize("Spaceone_Core"), "spaceone-core");
        assert_eq!(normalize("spaceone.core--x"), "spaceone-core-x");
        assert_eq!(
            requirement_name("  foo.bar[x]>=1"),
            Some("foo.bar".to_owned())
        );
        assert_eq!(requirement_name("-r other.txt"), None);
    }
}
