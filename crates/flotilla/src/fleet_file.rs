//! The manifest file the commands start from.

use std::path::Path;

use flotilla_core::fleet::Fleet;

use crate::failure::Failure;

/// Reads and validates the manifest; every error is reported with its position.
pub fn load_fleet(path: &Path) -> Result<Fleet, Failure> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        Failure::input(format!(
            "cannot read the manifest {}: {err}",
            path.display()
        ))
        .with_help(
            "create one with `flotilla init`, or point to it with -f FILE or FLOTILLA_MANIFEST",
        )
    })?;
    flotilla_core::manifest::load(&path.display().to_string(), &text).map_err(Failure::input)
}
