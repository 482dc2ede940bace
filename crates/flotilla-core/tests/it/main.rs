mod deploy;
mod manifest;
mod plan;
mod version_props;
