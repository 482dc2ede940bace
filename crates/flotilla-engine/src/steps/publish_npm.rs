//! npm packages: the package's own `npm pack` (its `prepack` and `prepare` scripts, `files`,
//! `.npmignore`) after the release's version is set in `package.json`, and the tarball it made
//! uploaded by flotilla's client to a registry directory or server, under a dist-tag.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use flotilla_core::EnvEntry;
use flotilla_core::fleet::{DEFAULT_BUILDER_TIMEOUT_SECS, RegistryKind};
use flotilla_publish::npm::{NpmDirTarget, NpmPackage, NpmTarget, PackageJson};
use flotilla_store::ArtifactKind;

use crate::steps::publish_target::{Target, npm_registry};
use crate::steps::published::Published;
use crate::steps::run_command::run_command_in;
use crate::steps::run_context::RunContext;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;

/// How much of npm's output a failed pack's error carries.
const OUTPUT_LINES: usize = 15;

/// Packs `name` `version` from `directory` with npm and publishes it under `dist_tag`.
#[allow(clippy::too_many_arguments)] // One per field of the step, and the run's context.
pub fn publish_npm(
    ctx: &RunContext,
    registry: &str,
    name: &str,
    version: &str,
    dist_tag: &str,
    directory: &Path,
    staging: &Path,
    log: &StepLog,
) -> Result<Published, StepError> {
    let (destination, label) = Target::resolve(&ctx.workspace, registry, RegistryKind::Npm)?;
    // `work/./` would reach npm's argv and the error messages as is.
    let directory: std::path::PathBuf = directory.components().collect();
    let directory = directory.as_path();
    let package = pack(ctx, name, version, directory, staging, log)?;
    let out = match destination {
        Target::Local(root) => NpmDirTarget::new(root).publish(&package, dist_tag)?,
        Target::Remote(registry) => npm_registry(&registry)?.publish(&package, dist_tag)?,
    };
    log.line(format!(
        "{name}@{version} ({dist_tag}) {} ({:?})",
        out.digest, out.outcome
    ));
    Ok(Published {
        kind: ArtifactKind::Npm,
        name: name.to_owned(),
        version: version.to_string(),
        digest: out.digest.into(),
        target: label,
    })
}

/// Sets `version` in `package.json` (in the work tree, which the run owns) and runs
/// `npm pack --json --pack-destination <staging>/pack` in `directory`; the tarball it made,
/// checked to be `name@version`.
fn pack(
    ctx: &RunContext,
    name: &str,
    version: &str,
    directory: &Path,
    staging: &Path,
    log: &StepLog,
) -> Result<NpmPackage, StepError> {
    let mut json = PackageJson::load(directory)?;
    if json.name() != Some(name) {
        let found = json.name().unwrap_or_default().to_owned();
        return Err(StepErrorKind::NpmNameMismatch {
            path: json.path().to_path_buf(),
            found,
            expected: name.to_owned(),
        }
        .into());
    }
    if json.version() != Some(version) {
        json.set_version(version)?;
        json.save()?;
        log.line(format!("{}: version {version}", json.path().display()));
    }

    let out = staging.join("pack");
    std::fs::create_dir_all(&out)?;
    let binary = ctx
        .repo
        .npm
        .as_ref()
        .map_or("npm", |npm| npm.binary.as_str());
    let argv: Vec<String> = vec![
        binary.to_owned(),
        "pack".to_owned(),
        "--json".to_owned(),
        "--pack-destination".to_owned(),
        out.display().to_string(),
    ];
    let shown = log.redact(&argv.join(" "));
    let log_start = std::fs::metadata(log.path()).map_or(0, |m| m.len());
    // npm's notice of a newer npm would end up in every failure's message.
    let quiet = [EnvEntry::Set {
        name: "npm_config_update_notifier".to_owned(),
        value: "false".to_owned(),
    }];
    let ran = run_command_in(
        ctx,
        "npm pack",
        &argv,
        DEFAULT_BUILDER_TIMEOUT_SECS,
        &quiet,
        directory,
        log,
    );
    match ran {
        Ok(_) => {}
        Err(err) => {
            let status = match *err.kind {
                StepErrorKind::CommandFailed { status, .. } => status,
                StepErrorKind::CannotStart {
                    program, source, ..
                } => return Err(StepErrorKind::NpmCannotStart { program, source }.into()),
                _ => return Err(err),
            };
            return Err(StepError::from(StepErrorKind::NpmPackFailed {
                argv: shown,
                dir: directory.to_path_buf(),
                status: status.to_string(),
                output: output_since(log.path(), log_start),
            })
            .with_exit_code(status.code())
            .with_help(
                "the package's own build failed (its `prepack` or `prepare` script, or npm \
                 itself): run `npm pack` in that directory to reproduce it",
            ));
        }
    }

    let tarballs: Vec<_> = std::fs::read_dir(&out)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tgz"))
        .collect();
    let [tarball] = tarballs.as_slice() else {
        return Err(StepErrorKind::NpmPackOutput {
            argv: shown,
            dir: directory.to_path_buf(),
            out,
            count: tarballs.len(),
        }
        .into());
    };
    let package = NpmPackage::read(tarball, name, version)?;
    log.line(format!(
        "packed {} ({} bytes, {})",
        tarball.display(),
        package.size(),
        package.integrity()
    ));
    Ok(package)
}

/// The last lines of the step log written after byte `start`: what npm printed (redacted, as
/// the log is), without the `--json` report, whose lines are punctuation and repeat the rest.
fn output_since(log: &Path, start: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = std::fs::File::open(log)
        && file.seek(SeekFrom::Start(start)).is_ok()
    {
        drop(file.read_to_string(&mut text));
    }
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(['{', '}', '[', ']', '"']))
        .collect();
    let from = lines.len().saturating_sub(OUTPUT_LINES);
    lines[from..].join(" | ")
}
