//! `flotilla import`: a manifest for repositories that already exist.

use std::io::Write;
use std::path::{Path, PathBuf};

use flotilla_core::import::{FleetImport, ImportedRepo, manifest_text};
use flotilla_engine::import::{ImportError, ImportSource, RepoRead, read_all};

use crate::cli::ImportArgs;
use crate::failure::{Failure, Outcome};
use crate::output;

pub fn run(args: &ImportArgs, manifest: &Path, json: bool) -> Outcome {
    let out = args.out.clone().unwrap_or_else(|| manifest.to_path_buf());
    if out.exists() && !args.force {
        return Err(refuse_existing(&out));
    }
    let mut remotes = args.remotes.clone();
    if let Some(file) = &args.from_file {
        let text = std::fs::read_to_string(file).map_err(|source| {
            import_failure(ImportError::RemoteList {
                path: file.clone(),
                source,
            })
        })?;
        remotes.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    let cwd = std::env::current_dir()
        .map_err(|err| Failure::failed(format!("cannot read the current directory: {err}")))?;
    let manifest_dir = match out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => cwd.join(dir),
        _ => cwd.clone(),
    };
    let sources =
        ImportSource::resolve_all(&remotes, &cwd, &manifest_dir).map_err(import_failure)?;
    let mirrors = manifest_dir.join(".flotilla").join("mirrors");
    output::progress(&format!(
        "reading {} repositories (bare mirrors in {})",
        sources.len(),
        mirrors.display()
    ));
    let scans = read_all(&sources, &mirrors, &report).map_err(import_failure)?;
    let fleet = FleetImport::from_scans(&scans);
    let text = manifest_text(&fleet);
    // What import writes must pass `check`; if it does not, that is flotilla's bug, and
    // nothing is written.
    if let Err(errors) = flotilla_core::manifest::load(&out.display().to_string(), &text) {
        return Err(Failure::failed(format!(
            "the manifest import made does not pass check; nothing was written:\n{errors}"
        ))
        .with_help("please report this with the remotes' file lists"));
    }
    write(&out, &text, args.force)?;
    if json {
        // Every open question in one list, each with its repository (null: the fleet's).
        let undecided: Vec<serde_json::Value> = fleet
            .undecided
            .iter()
            .map(|why| serde_json::json!({"repo": null, "why": why}))
            .chain(fleet.repos.iter().flat_map(|repo| {
                repo.undecided
                    .iter()
                    .map(|why| serde_json::json!({"repo": repo.name, "why": why}))
            }))
            .collect();
        return output::json(&serde_json::json!({
            "manifest": out,
            "repos": fleet.repos,
            "undecided": undecided,
        }));
    }
    print(&fleet, &out);
    Ok(())
}

fn report(read: &RepoRead) {
    let what = match &read.error {
        Some(error) => format!("failed: {error}"),
        None => format!(
            "{}, {}, {}",
            count(read.tags, "tag"),
            count(read.branches, "branch"),
            count(read.files, "file")
        ),
    };
    output::progress(&format!(
        "[{}/{}] {}: {what}",
        read.done, read.total, read.name
    ));
}

fn count(n: usize, what: &str) -> String {
    match (n, what) {
        (1, _) => format!("1 {what}"),
        (_, "branch") => format!("{n} branches"),
        _ => format!("{n} {what}s"),
    }
}

fn import_failure(err: ImportError) -> Failure {
    if err.is_user_error() {
        Failure::input(err)
    } else {
        Failure::failed(err)
    }
}

fn refuse_existing(out: &Path) -> Failure {
    Failure::input(format!(
        "{} already exists; nothing was read or written",
        out.display()
    ))
    .with_help("pass --force to overwrite it, or --out FILE to write another file")
}

/// Writes `text` to `out`: never over an existing file without `force` (even one created
/// while the repositories were read), and with `force` through a temporary file renamed into
/// place, so a reader never sees half a manifest.
fn write(out: &Path, text: &str, force: bool) -> Outcome {
    let failed =
        |err: std::io::Error| Failure::failed(format!("cannot write {}: {err}", out.display()));
    if !force {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(out)
            .map_err(|err| {
                if err.kind() == std::io::ErrorKind::AlreadyExists {
                    refuse_existing(out)
                } else {
                    failed(err)
                }
            })?;
        return file.write_all(text.as_bytes()).map_err(failed);
    }
    let mut temporary = PathBuf::from(out);
    temporary.set_extension(format!("import-{}.tmp", std::process::id()));
    std::fs::write(&temporary, text).map_err(failed)?;
    std::fs::rename(&temporary, out).map_err(|err| {
        let _ = std::fs::remove_file(&temporary);
        failed(err)
    })
}

fn print(fleet: &FleetImport, out: &Path) {
    let mut table = output::Table::new(&[
        "repository",
        "category",
        "publishes",
        "depends on",
        "newest tag",
    ]);
    for repo in &fleet.repos {
        table.row(vec![
            repo.name.clone(),
            repo.category.category.clone(),
            or_dash(&repo.artifacts.join(", ")),
            or_dash(&repo.depends_on.join(", ")),
            repo.tags
                .newest_tag
                .clone()
                .unwrap_or_else(|| "-".to_owned()),
        ]);
    }
    table.print();
    let open: Vec<(&str, &String)> = fleet
        .undecided
        .iter()
        .map(|q| ("fleet", q))
        .chain(fleet.repos.iter().flat_map(undecided))
        .collect();
    if !open.is_empty() {
        output::line(format!("\ncould not decide ({}):", open.len()));
        for (who, question) in open {
            output::line(format!("  {who}: {question}"));
        }
    }
    output::line(format!(
        "\nwrote {} ({} repositories); next: `flotilla check`, then `flotilla plan release start X.Y.Z`",
        out.display(),
        fleet.repos.len()
    ));
}

fn undecided(repo: &ImportedRepo) -> impl Iterator<Item = (&str, &String)> {
    repo.undecided.iter().map(move |q| (repo.name.as_str(), q))
}

fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".to_owned()
    } else {
        text.to_owned()
    }
}
