mod deploy;
mod manifest;
mod manifest_fuzz;
mod plan;
mod version_edit;
mod version_fuzz;
mod version_props;
mod version_tags;
