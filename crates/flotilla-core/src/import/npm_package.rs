//! What a `package.json` declares.

use serde::Serialize;

/// An npm package found in a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NpmPackage {
    pub file: String,
    /// Its directory (`.` at the root).
    pub dir: String,
    pub name: Option<String>,
    pub version: Option<String>,
    /// `"private": true`: npm refuses to publish it.
    pub private: bool,
    /// Names in `dependencies`, `peerDependencies` and `optionalDependencies` (not dev ones:
    /// they do not order releases).
    pub dependencies: Vec<String>,
    /// Why the file could not be read, when it could not.
    pub unread: Option<String>,
}

impl NpmPackage {
    pub fn from_json(file: &str, text: &str) -> Self {
        let dir = file
            .rsplit_once('/')
            .map_or_else(|| ".".to_owned(), |(d, _)| d.to_owned());
        let mut package = Self {
            file: file.to_owned(),
            dir,
            name: None,
            version: None,
            private: false,
            dependencies: Vec::new(),
            unread: None,
        };
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(err) => {
                package.unread = Some(format!("{file} is not JSON: {err}"));
                return package;
            }
        };
        let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        package.name = text("name");
        package.version = text("version");
        package.private = value.get("private").and_then(serde_json::Value::as_bool) == Some(true);
        for section in ["dependencies", "peerDependencies", "optionalDependencies"] {
            if let Some(deps) = value.get(section).and_then(|v| v.as_object()) {
                for name in deps.keys() {
                    if !package.dependencies.contains(name) {
                        package.dependencies.push(name.clone());
                    }
                }
            }
        }
        package
    }

    /// Whether a registry would take it: named and not private.
    pub fn publishable(&self) -> bool {
        self.name.is_some() && !self.private
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_application_is_private_and_a_library_publishable() {
        let app = NpmPackage::from_json(
            "package.json",
            r#"{"name": "spaceone-console", "version": "1.10.0-rc2", "private": true,
                "dependencies": {"@spaceone/design-system": "^1.1.0", "vue": "^2.6.14"},
                "devDependencies": {"eslint": "^7"}}"#,
        );
        assert!(!app.publishable());
        assert_eq!(app.dependencies, ["@spaceone/design-system", "vue"]);
        assert_eq!(app.dir, ".");
        let lib = NpmPackage::from_json(
            "packages/lib/package.json",
            r#"{"name": "@spaceone/design-system", "peerDependencies": {"vue": "2"}}"#,
        );
        assert!(lib.publishable());
        assert_eq!(lib.dir, "packages/lib");
        let broken = NpmPackage::from_json("package.json", "{");
        assert!(broken.unread.is_some());
        assert!(!broken.publishable());
    }
}
