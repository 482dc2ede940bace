//! npm package tarballs, the local npm directory target and the registry target.
//!
//! A release's tarball is the one the package's own `npm pack` makes (the engine runs it after
//! [`PackageJson::set_version`]); [`NpmPackage::read`] checks it and computes its `integrity`
//! and `shasum`. [`NpmSource::pack`], the native packer, writes a reproducible
//! `package/`-prefixed tarball without npm; the tests and benchmarks use it. [`NpmDirTarget`] keeps tarballs and a packument per package in a directory;
//! `npm install <tarball>` installs from it. [`NpmRegistryTarget`] publishes to an npm registry
//! as `npm publish` does.

mod npm_dir_target;
mod npm_package;
mod npm_registry_target;
mod npm_source;
mod npm_target;
mod package_json;
mod package_name;
mod packument;
mod tarball_hashes;

pub use npm_dir_target::NpmDirTarget;
pub use npm_package::NpmPackage;
pub use npm_registry_target::NpmRegistryTarget;
pub use npm_source::NpmSource;
pub use npm_target::NpmTarget;
pub use package_json::PackageJson;
pub use package_name::PackageName;
