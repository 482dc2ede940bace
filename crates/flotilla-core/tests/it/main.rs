mod deploy;
mod import;
mod manifest;
mod manifest_fuzz;
mod plan;
mod version_fuzz;
mod version_props;
