//! npm package tarballs packed natively, the local npm directory target and the registry
//! target.
//!
//! [`NpmSource::pack`] writes a reproducible `package/`-prefixed tarball with its `integrity`
//! and `shasum`. [`NpmDirTarget`] keeps tarballs and a packument per package in a directory;
//! `npm install <tarball>` installs from it. [`NpmRegistryTarget`] publishes to an npm registry
//! as `npm publish` does.

mod npm_dir_target;
mod npm_package;
mod npm_registry_target;
mod npm_source;
mod npm_target;
mod package_name;
mod packument;

pub use npm_dir_target::NpmDirTarget;
pub use npm_package::NpmPackage;
pub use npm_registry_target::NpmRegistryTarget;
pub use npm_source::NpmSource;
pub use npm_target::NpmTarget;
pub use package_name::PackageName;
