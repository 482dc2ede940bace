//! The fleet manifest, `flotilla.yaml`: from text to a validated [`Fleet`].
//!
//! [`load`] parses with serde-saphyr into a tree that keeps every node's position, reads the
//! typed YAML structs from it one item at a time, then resolves defaults and checks every name
//! and reference. It reports every problem it finds, each as `file:line:column: message`, and
//! returns a fleet only when there are none. Pure: the caller reads the file.

pub(crate) mod builtin;
mod checks;
pub(crate) mod dependency_graph;
mod diagnostic;
mod document;
mod github_section;
mod node_deserializer;
mod resolver;
mod workflows_doc;

pub use diagnostic::{Diagnostic, ManifestErrors};

use crate::fleet::Fleet;
use crate::yaml::TextPos;
use crate::yaml::spanned_tree::Tree;

/// A small commented manifest for `flotilla init`: three repositories on the local registries.
pub const STARTER: &str = include_str!("manifest/starter.yaml");

/// The seed's fleet: every repository of the `SpaceONE` table in its category.
pub const SPACEONE_EXAMPLE: &str = include_str!("manifest/spaceone.yaml");

/// Parses and validates the manifest `text`; `file_name` only labels the diagnostics.
pub fn load(file_name: &str, text: &str) -> Result<Fleet, ManifestErrors> {
    let tree = Tree::parse(text).map_err(|(pos, message)| {
        ManifestErrors::new(file_name, vec![diagnostic::Finding::new(pos, message)])
    })?;
    resolver::resolve(&tree).map_err(|findings| ManifestErrors::new(file_name, findings))
}

/// [`load`] for the bytes of a file: text that is not UTF-8 is refused at the line and column
/// of its first invalid byte.
pub fn load_bytes(file_name: &str, bytes: &[u8]) -> Result<Fleet, ManifestErrors> {
    load_bytes_inner(file_name, bytes, None)
}

/// [`load_bytes`], also checking `settings.timezone` against a time zone database: the
/// caller's `known_zone` answers whether a name is in it (a lookup reads files, which the core
/// does not).
pub fn load_bytes_with_zones(
    file_name: &str,
    bytes: &[u8],
    known_zone: &dyn Fn(&str) -> bool,
) -> Result<Fleet, ManifestErrors> {
    load_bytes_inner(file_name, bytes, Some(known_zone))
}

fn load_bytes_inner(
    file_name: &str,
    bytes: &[u8],
    known_zone: Option<&dyn Fn(&str) -> bool>,
) -> Result<Fleet, ManifestErrors> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        // Everything before `valid_up_to` is UTF-8 by definition.
        let valid = std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default();
        let pos = TextPos::end_of(valid);
        let byte = bytes.get(error.valid_up_to()).copied().unwrap_or_default();
        let finding = diagnostic::Finding::new(
            pos,
            format!("the manifest is not UTF-8 text: byte 0x{byte:02x} is not valid UTF-8 here"),
        )
        .help("save the file as UTF-8");
        ManifestErrors::new(file_name, vec![finding])
    })?;
    let tree = Tree::parse(text).map_err(|(pos, message)| {
        ManifestErrors::new(file_name, vec![diagnostic::Finding::new(pos, message)])
    })?;
    resolver::resolve_with(&tree, known_zone)
        .map_err(|findings| ManifestErrors::new(file_name, findings))
}

/// The JSON Schema of `flotilla.yaml`, for editors and `flotilla schema`.
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(document::Document).to_value();
    allow_extension_keys(&mut schema);
    schema
}

/// Every closed object also accepts the `x-` keys the loader ignores.
fn allow_extension_keys(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(object) => {
            if object.get("additionalProperties") == Some(&serde_json::Value::Bool(false)) {
                let pattern = format!("^{}", node_deserializer::EXTENSION_PREFIX);
                object.insert(
                    "patternProperties".to_owned(),
                    serde_json::json!({ pattern: {} }),
                );
            }
            object.values_mut().for_each(allow_extension_keys);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(allow_extension_keys),
        _ => {}
    }
}

/// Whole manifests through `load`: parsing and resolution together.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::DEFAULT_BUILDER_TIMEOUT_SECS;

    const BUILDER_FLEET: &str = "categories:\n  svc:\n    publishes: {image: true}\n    \
        image_builder: [buildah, bud, -t, \"oci:{output}\", \"{context}\"]\n\
        repositories:\n  - {name: a, remote: ../a.git, category: svc}\n  \
        - {name: b, remote: ../b.git, category: svc, image: {builder: [kaniko, \"--destination={image}\"], builder_timeout_secs: 60}}\n";

    #[test]
    fn invalid_utf8_is_refused_at_its_line_and_column_in_characters() {
        let err = load_bytes("f.yaml", "a: 1\n# é ü".as_bytes()).unwrap_err();
        let mut bytes = b"a: 1\n# \xc3\xa9 \xc3\xbc ".to_vec();
        bytes.push(0xff);
        let err_bytes = load_bytes("f.yaml", &bytes).unwrap_err().to_string();
        assert!(
            err_bytes.starts_with("f.yaml:2:7: the manifest is not UTF-8 text: byte 0xff"),
            "{err_bytes}"
        );
        assert!(
            err_bytes.contains("help: save the file as UTF-8"),
            "{err_bytes}"
        );
        // Valid text goes on to the YAML checks.
        assert!(!err.to_string().contains("UTF-8"), "{err}");
    }

    #[test]
    fn repositories_take_their_category_builder_unless_they_name_their_own() {
        let fleet = load("flotilla.yaml", BUILDER_FLEET).unwrap();
        let image = |name: &str| {
            fleet
                .repos
                .iter()
                .find(|r| r.name == name)
                .unwrap()
                .image
                .clone()
                .unwrap()
        };
        let (a, b) = (image("a"), image("b"));
        assert_eq!(a.builder.unwrap()[3], "oci:{output}");
        assert_eq!(a.builder_timeout_secs, DEFAULT_BUILDER_TIMEOUT_SECS);
        assert_eq!(b.builder.unwrap(), ["kaniko", "--destination={image}"]);
        assert_eq!(b.builder_timeout_secs, 60);
    }

    #[test]
    fn a_builder_must_say_where_the_image_goes_and_use_known_placeholders() {
        let text = BUILDER_FLEET
            .replace("\"--destination={image}\"", "\"{contxt}\"")
            .replace("\"oci:{output}\"", "local");
        let errors = load("flotilla.yaml", &text).unwrap_err();
        let shown: Vec<String> = errors.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2, "{shown:#?}");
        assert!(
            shown[0].starts_with("flotilla.yaml:4:20: the builder of category `svc` neither"),
            "{shown:#?}"
        );
        assert!(
            shown[1].starts_with("flotilla.yaml:7:74: invalid builder argument")
                && shown[1].contains("did you mean {context}?"),
            "{shown:#?}"
        );
    }

    #[test]
    fn repositories_take_their_category_hotfix_semver_unless_they_set_their_own() {
        let text = "categories:\n  backend: {hotfix_semver: build-metadata}\n\
            repositories:\n  - {name: a, remote: ../a.git, category: backend}\n  \
            - {name: b, remote: ../b.git, category: backend, hotfix_semver: patch-bump}\n  \
            - {name: c, remote: ../c.git, category: tool}\n";
        let fleet = load("flotilla.yaml", text).unwrap();
        let semver = |name: &str| {
            fleet
                .repos
                .iter()
                .find(|r| r.name == name)
                .unwrap()
                .hotfix_semver
        };
        assert_eq!(semver("a"), Some(crate::HotfixSemver::BuildMetadata));
        assert_eq!(semver("b"), Some(crate::HotfixSemver::PatchBump));
        assert_eq!(semver("c"), None);
    }

    const GITHUB_FLEET: &str = "github:\n  owner: cloudforet-io\n  api_url: http://127.0.0.1:9/\n  \
        insecure: true\n  auth: {app_id: 1, installation_id: 2, private_key_env: GH_APP_KEY}\n\
        categories:\n  backend: {executor: github-actions, release_workflow: backend.yml}\n\
        repositories:\n  - {name: a, remote: ../a.git, category: backend}\n  \
        - {name: b, remote: ../b.git, category: backend, executor: local}\n  \
        - {name: c, remote: ../c.git, category: tool, executor: github-actions, github_repository: other/c-repo}\n  \
        - {name: d, remote: ../d.git, category: tool}\n";

    #[test]
    fn repositories_take_their_category_executor_unless_they_name_their_own() {
        use crate::executor::Executor;
        use crate::github_settings::{GithubAuth, GithubKey};
        let fleet = load("flotilla.yaml", GITHUB_FLEET).unwrap();
        let executor = |name: &str| fleet.repo(name).unwrap().executor.clone();
        assert_eq!(
            executor("a"),
            Executor::GithubActions {
                repository: "cloudforet-io/a".into(),
                workflow: "backend.yml".into()
            }
        );
        assert_eq!(executor("b"), Executor::Local);
        assert_eq!(
            executor("c"),
            Executor::GithubActions {
                repository: "other/c-repo".into(),
                workflow: "flotilla-release.yml".into()
            }
        );
        assert_eq!(executor("d"), Executor::Local);
        let workflow = |name: &str| fleet.repo(name).unwrap().release_workflow.clone();
        assert_eq!(
            workflow("b"),
            "backend.yml",
            "a local repository knows it too"
        );
        assert_eq!(workflow("d"), "flotilla-release.yml");
        let github = fleet.github.as_ref().unwrap();
        assert_eq!(github.api_url, "http://127.0.0.1:9");
        assert_eq!(
            github.auth,
            GithubAuth::App {
                app_id: 1,
                installation_id: 2,
                private_key: GithubKey::Env("GH_APP_KEY".into())
            }
        );
        // The App's key is a secret: no command sees it.
        assert!(fleet.secret_env_names().contains(&"GH_APP_KEY"));
    }

    #[test]
    fn github_mistakes_are_reported_at_their_keys() {
        let text = "github:\n  owner: -bad\n  api_url: http://api.example\n  \
            poll_interval_secs: 0\n  auth: {token_env: T, app_id: 3}\n\
            repositories:\n  - {name: a, remote: ../a.git, category: tool, executor: github-actions, \
            release_workflow: ../x.sh, github_repository: nope}\n";
        let errors = load("flotilla.yaml", text).unwrap_err();
        let shown: Vec<String> = errors.diagnostics.iter().map(ToString::to_string).collect();
        let expected = [
            "flotilla.yaml:2:10: `github.owner` \"-bad\" is not a GitHub account name",
            "flotilla.yaml:3:12: `github.api_url` uses plain HTTP",
            "flotilla.yaml:4:23: `github.poll_interval_secs` must be at least 1",
            "flotilla.yaml:5:9: `github.auth` sets both a token and a GitHub App",
            "flotilla.yaml:7:93: release workflow \"../x.sh\" is not a workflow file name",
            "flotilla.yaml:7:121: `github_repository` \"nope\" is not `owner/name`",
        ];
        assert_eq!(shown.len(), expected.len(), "{shown:#?}");
        for (shown, expected) in shown.iter().zip(expected) {
            assert!(shown.starts_with(expected), "{shown}\nexpected: {expected}");
        }
    }

    #[test]
    fn github_actions_without_a_github_section_is_refused_once_per_place() {
        let text = "categories:\n  backend: {executor: github-actions}\n\
            repositories:\n  - {name: a, remote: ../a.git, category: backend}\n  \
            - {name: b, remote: ../b.git, category: backend}\n";
        let errors = load("flotilla.yaml", text).unwrap_err();
        let shown: Vec<String> = errors.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 1, "{shown:#?}");
        assert!(
            shown[0].starts_with("flotilla.yaml:2:23: `executor: github-actions` needs the manifest's `github` section")
                && shown[0].contains("help: add `github: {owner: ORG}`"),
            "{shown:#?}"
        );
    }
}
