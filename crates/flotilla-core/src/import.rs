//! Adopting an existing fleet (`flotilla import`): from what the engine read of each
//! repository (refs, file list, build files) to a manifest `flotilla check` accepts, with what
//! could not be decided said per repository. Pure: the engine reads, the binary writes.

mod category_guess;
mod evidence;
mod fleet_import;
mod found_version_file;
mod imported_repo;
mod manifest_text;
mod npm_package;
mod python_project;
mod repo_scan;
mod source_text;
mod tag_survey;
mod toml_lite;

pub use category_guess::{CategoryGuess, UNSORTED};
pub use evidence::Evidence;
pub use fleet_import::FleetImport;
pub use found_version_file::FoundVersionFile;
pub use imported_repo::ImportedRepo;
pub use manifest_text::manifest_text;
pub use npm_package::NpmPackage;
pub use python_project::{PythonProject, VersionSource, normalize, requirement_name};
pub use repo_scan::{RepoScan, repo_name};
pub use tag_survey::TagSurvey;
