//! The manifest file the commands start from.

use std::io::{ErrorKind, Read};
use std::path::Path;

use flotilla_core::fleet::Fleet;

use crate::failure::Failure;

/// The largest manifest read: far above any fleet's (the seed's 60 repositories take 10 KiB),
/// so that a wrong path (`/dev/urandom`, a disk image) fails at once instead of filling memory.
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

/// Reads and validates the manifest; every error is reported with its position.
pub fn load_fleet(path: &Path) -> Result<Fleet, Failure> {
    let bytes = read_capped(path)?;
    flotilla_core::manifest::load_bytes_with_zones(
        &path.display().to_string(),
        &bytes,
        &known_time_zone,
    )
    .map_err(|errors| Failure::manifest(&errors))
}

/// Whether the time zone database (the system's, as the engine's build stamps use it) knows
/// `name`.
fn known_time_zone(name: &str) -> bool {
    jiff::tz::TimeZone::get(name).is_ok()
}

fn read_capped(path: &Path) -> Result<Vec<u8>, Failure> {
    let unreadable = |err: std::io::Error| {
        let failure = Failure::input(format!(
            "cannot read the manifest {}: {err}",
            path.display()
        ));
        if err.kind() == ErrorKind::NotFound {
            failure.with_help(
                "create one with `flotilla init`, or point to it with -f FILE or FLOTILLA_MANIFEST",
            )
        } else {
            failure.with_help("point -f FILE or FLOTILLA_MANIFEST at a readable manifest")
        }
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(Failure::input(format!(
            "the manifest {} is larger than the limit of {} MiB",
            path.display(),
            MAX_MANIFEST_BYTES / (1024 * 1024)
        ))
        .with_help("point -f FILE or FLOTILLA_MANIFEST at the fleet's flotilla.yaml"));
    }
    Ok(bytes)
}
