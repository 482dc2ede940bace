//! Python wheels and sdists built natively, the PEP 503 simple-index target and the upload
//! target.
//!
//! [`PythonProject`] builds a `py3-none-any` wheel and an sdist from a directory of import
//! packages, reproducibly. [`SimpleIndexTarget`] keeps a simple-index directory that
//! `pip install --index-url file://<root>/simple/` installs from. [`PypiUploadTarget`] uploads
//! to a package index (PyPI, pypiserver, …) as `twine upload` does.

mod dist_file;
mod dist_metadata;
mod multipart_form;
mod project_name;
mod project_page;
mod pypi_upload_target;
mod python_project;
mod python_target;
mod remote_project_page;
mod simple_index_target;
mod wheel_writer;

pub use project_name::ProjectName;
pub use pypi_upload_target::PypiUploadTarget;
pub use python_project::PythonProject;
pub use python_target::PythonTarget;
pub use simple_index_target::SimpleIndexTarget;
