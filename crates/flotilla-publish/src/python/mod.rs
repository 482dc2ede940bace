//! Python wheels and sdists built natively, and the PEP 503 simple-index target.
//!
//! [`PythonProject`] builds a `py3-none-any` wheel and an sdist from a directory of import
//! packages, reproducibly. [`SimpleIndexTarget`] keeps a simple-index directory that
//! `pip install --index-url file://<root>/simple/` installs from.

mod dist_file;
mod project_name;
mod project_page;
mod python_project;
mod python_target;
mod simple_index_target;
mod wheel_writer;

pub use project_name::ProjectName;
pub use python_project::PythonProject;
pub use python_target::PythonTarget;
pub use simple_index_target::SimpleIndexTarget;
