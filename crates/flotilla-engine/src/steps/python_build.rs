//! A Python project with its own build files (`pyproject.toml`, `setup.py`) built by its own
//! PEP 517 backend: `python -m build --wheel --sdist`, in the release's work tree, with the
//! release's version given the ways projects read it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use flotilla_core::EnvEntry;
use flotilla_core::fleet::PythonArtifact;
use flotilla_publish::python::{BuiltDistributions, PyprojectToml};

use crate::steps::run_command::run_command;
use crate::steps::run_context::RunContext;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;

/// How long a build may run before it is killed.
const BUILD_TIMEOUT_SECS: u64 = 1800;

/// The time stamped on what the build archives (`SOURCE_DATE_EPOCH`): fixed, so that a build
/// run again makes the same files, and the earliest a wheel's zip entries can carry
/// (1980-01-01).
const BUILD_EPOCH: u64 = 315_532_800;

/// Lines of the build's output repeated in its error.
const TAIL_LINES: usize = 15;

/// Whether `source` is a project its own backend builds, rather than a directory of import
/// packages flotilla packages itself.
pub fn has_build_files(source: &Path) -> bool {
    source.join("pyproject.toml").is_file() || source.join("setup.py").is_file()
}

/// Builds the project in `source` with `artifact`'s interpreter into `staging`, and returns the
/// wheel and the sdist, checked: both say `name` and the PEP 440 `version`.
pub fn python_build(
    ctx: &RunContext,
    artifact: &PythonArtifact,
    name: &str,
    version: &str,
    source: &Path,
    staging: &Path,
    log: &StepLog,
) -> Result<BuiltDistributions, StepError> {
    let out_dir = staging.join("dist");
    std::fs::create_dir_all(&out_dir)?;
    let before = leftovers(source);
    let restore = set_static_version(source, version, log)?;
    let result = run_build(ctx, artifact, version, source, &out_dir, log);
    if let Some((path, text)) = restore {
        std::fs::write(&path, text)?;
    }
    // setuptools leaves `build/` and `*.egg-info` in the project: the work tree goes on to
    // image builds and commits as it was committed.
    for path in leftovers(source).difference(&before) {
        if let Err(err) = std::fs::remove_dir_all(path) {
            tracing::warn!(path = %path.display(), %err, "cannot remove the build's leftovers");
        }
    }
    result?;
    let built = BuiltDistributions::check(&out_dir, name, version)?;
    built.normalize_sdist(BUILD_EPOCH)?;
    Ok(built)
}

/// Sets a static `[project] version` of `pyproject.toml` to `version`; returns the file and
/// its text as committed, to put back after the build.
fn set_static_version(
    source: &Path,
    version: &str,
    log: &StepLog,
) -> Result<Option<(PathBuf, String)>, StepError> {
    let path = source.join("pyproject.toml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    match PyprojectToml::new(&text).with_version(version) {
        Some(changed) if changed != text => {
            std::fs::write(&path, changed)?;
            log.line(format!(
                "{}: [project] version set to {version} for the build",
                path.display()
            ));
            Ok(Some((path, text)))
        }
        _ => Ok(None),
    }
}

fn run_build(
    ctx: &RunContext,
    artifact: &PythonArtifact,
    version: &str,
    source: &Path,
    out_dir: &Path,
    log: &StepLog,
) -> Result<(), StepError> {
    let mut argv = vec![
        artifact.interpreter.clone(),
        "-m".to_owned(),
        "build".to_owned(),
        "--wheel".to_owned(),
        "--sdist".to_owned(),
        "--outdir".to_owned(),
        out_dir.display().to_string(),
    ];
    if !artifact.build_isolation {
        argv.push("--no-isolation".to_owned());
    }
    argv.push(source.display().to_string());
    let env = [
        ("PACKAGE_VERSION", version.to_owned()),
        ("SETUPTOOLS_SCM_PRETEND_VERSION", version.to_owned()),
        ("SOURCE_DATE_EPOCH", BUILD_EPOCH.to_string()),
    ]
    .map(|(name, value)| EnvEntry::Set {
        name: name.to_owned(),
        value,
    });
    let shown = log.redact(&argv.join(" "));
    log.line(format!("$ {shown}"));
    run_command(ctx, "python-build", &argv, BUILD_TIMEOUT_SECS, &env, log)
        .map(drop)
        .map_err(|failure| {
            let what = match failure.exit_code {
                Some(code) => format!("it exited with status {code}"),
                // Timed out, cancelled or not started: the runner's words.
                None => failure.kind.to_string(),
            };
            let tail = tail(log.path());
            let missing_build = tail.contains("No module named build");
            StepError::from(StepErrorKind::PythonBuildFailed {
                repo: ctx.repo.name.clone(),
                argv: shown.clone(),
                what,
                tail,
                log: log.path().to_path_buf(),
            })
            .with_help(if missing_build {
                format!(
                    "install the build frontend for that interpreter (`{} -m pip install \
                     build`), or set `python.interpreter` to one that has it",
                    artifact.interpreter
                )
            } else {
                "fix the project's build (run the same command in a clone of the release \
                 commit), then resume the train"
                    .to_owned()
            })
            .with_exit_code(failure.exit_code)
        })
}

/// The last lines of the step's log: the build's own last words.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(TAIL_LINES);
    lines[start..].join("\n")
}

/// What setuptools leaves in a project: `build/` and `*.egg-info` at its top or one level
/// down (a `src` layout).
fn leftovers(source: &Path) -> BTreeSet<PathBuf> {
    let mut found = BTreeSet::new();
    let mut scan = |dir: &Path, top: bool| {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut subdirs = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() || path.is_symlink() {
                continue;
            }
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".egg-info") || (top && name == "build") {
                found.insert(path);
            } else if top {
                subdirs.push(path);
            }
        }
        subdirs
    };
    for subdir in scan(source, true) {
        scan(&subdir, false);
    }
    found
}
