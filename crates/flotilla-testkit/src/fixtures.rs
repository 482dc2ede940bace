//! The data-driven fixture runner: each case is a folder
//! `tests/fixtures/<area>/<case>/` of the crate under test holding its inputs and its expected
//! output. [`run`] hands every case to the test, compares what the test made of it with the
//! expected file, and reports every difference at once. `UPDATE_FIXTURES=1` rewrites the
//! expected files instead (except those written by hand); review the diff.

mod case;
mod output;
mod ran;

use std::fs;
use std::path::PathBuf;

pub use case::Case;
pub use output::Output;
pub use ran::Ran;

/// Runs `check` on every case of `area` in name order and compares its [`Output`] with the
/// case's expected file; fails the test listing every case that differs.
#[track_caller]
pub fn run(area: &str, mut check: impl FnMut(&Case) -> Output) -> Ran {
    run_each(area, |case| vec![check(case)])
}

/// [`run`] for cases with several expected files: every [`Output`] is compared with its own.
#[track_caller]
pub fn run_each(area: &str, mut check: impl FnMut(&Case) -> Vec<Output>) -> Ran {
    let root = root(area);
    let update = std::env::var_os("UPDATE_FIXTURES").is_some_and(|v| v == "1");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("no fixtures at {}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut ran = Ran::default();
    let mut mismatches = Vec::new();
    for dir in dirs {
        let case = Case::at(dir);
        ran.record_case();
        for output in check(&case) {
            let path = case.path(output.file());
            ran.record(output.file());
            if update && !output.by_hand() {
                fs::write(&path, output.actual()).unwrap();
                continue;
            }
            let expected = fs::read_to_string(&path).unwrap_or_default();
            if output.actual() != expected {
                mismatches.push(format!(
                    "{}:\n--- expected\n{expected}--- actual\n{}",
                    path.display(),
                    output.actual()
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} fixture(s) differ (UPDATE_FIXTURES=1 rewrites those not written by hand):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    ran
}

/// `tests/fixtures/<area>` of the crate whose tests run (cargo sets `CARGO_MANIFEST_DIR` when
/// it runs them).
pub fn root(area: &str) -> PathBuf {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .expect("CARGO_MANIFEST_DIR is set: run the tests with cargo");
    PathBuf::from(crate_dir).join("tests/fixtures").join(area)
}
