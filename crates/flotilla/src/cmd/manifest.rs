//! `flotilla check`, `schema` and `init`: the manifest itself.

use std::path::Path;

use crate::cli::{Example, InitArgs};
use crate::failure::{Failure, Outcome};
use crate::output;

pub fn check(path: &Path, json: bool) -> Outcome {
    let fleet = crate::fleet_file::load_fleet(path)?;
    if json {
        return output::json(&fleet);
    }
    output::line(format!(
        "{}: ok, {} repositories in {} categories, {} registries, {} environments",
        path.display(),
        fleet.repos.len(),
        fleet
            .repos
            .iter()
            .map(|r| r.category.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        fleet.registries.len(),
        fleet.environments.len()
    ));
    Ok(())
}

pub fn schema() -> Outcome {
    output::json(&flotilla_core::manifest::json_schema())
}

pub fn init(args: &InitArgs, path: &Path) -> Outcome {
    if path.exists() && !args.force {
        return Err(Failure::input(format!(
            "{} already exists; nothing was written",
            path.display()
        ))
        .with_help("pass --force to overwrite it"));
    }
    let text = match args.example {
        Some(Example::Spaceone) => flotilla_core::manifest::SPACEONE_EXAMPLE.to_owned(),
        None => flotilla_core::manifest::STARTER.to_owned(),
    };
    std::fs::write(path, text)
        .map_err(|err| Failure::failed(format!("cannot write {}: {err}", path.display())))?;
    output::line(format!(
        "wrote {}; validate it with `flotilla check`",
        path.display()
    ));
    Ok(())
}
