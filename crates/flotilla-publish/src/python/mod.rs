//! Python wheels and sdists built natively, the PEP 503 simple-index target and the upload
//! target.
//!
//! A project with its own build files is built by its own backend (`python -m build`, run by
//! the engine); [`BuiltDistributions`] checks what that build wrote and [`PyprojectToml`] sets a
//! static version before it. For a bare directory of import packages, [`PythonProject`] builds
//! a `py3-none-any` wheel and an sdist itself, reproducibly. [`SimpleIndexTarget`] keeps a simple-index directory that
//! `pip install --index-url file://<root>/simple/` installs from. [`PypiUploadTarget`] uploads
//! to a package index (PyPI, pypiserver, …) as `twine upload` does.

mod built_distributions;
mod dist_file;
mod dist_metadata;
mod multipart_form;
mod project_name;
mod project_page;
mod pypi_upload_target;
mod pyproject_toml;
mod python_project;
mod python_target;
mod remote_project_page;
mod simple_index_target;
mod wheel_writer;

pub use built_distributions::BuiltDistributions;
pub use project_name::ProjectName;
pub use pypi_upload_target::PypiUploadTarget;
pub use pyproject_toml::PyprojectToml;
pub use python_project::PythonProject;
pub use python_target::PythonTarget;
pub use simple_index_target::SimpleIndexTarget;
