//! Writing a version into files of each format changes the version's bytes and nothing else.

use flotilla_core::version_file::{EditField, VersionEdit, VersionEditError};

fn edit(path: &str, field: EditField, value: &str) -> VersionEdit {
    VersionEdit {
        path: path.to_owned(),
        field,
        value: value.to_owned(),
    }
}

fn chart(key: &str) -> EditField {
    EditField::ChartYaml {
        key: key.to_owned(),
    }
}

#[test]
fn package_json_changes_only_the_top_level_version() {
    let text = "{\r\n  \"name\": \"@cloudforet/console\",\r\n  \"private\": true,\r\n  \
                \"config\": {\"version\": \"1\"},\r\n  \"deps\": [\"version\"],\r\n  \
                \"description\": \"a \\\"version\\\": \\\"x\\\"\",\r\n  \"version\" : \"1.12.0\",\r\n  \
                \"scripts\": {}\r\n}\r\n";
    let out = edit("package.json", EditField::PackageJson, "2.0.0-rc.1")
        .apply(Some(text))
        .unwrap();
    assert_eq!(out, text.replace("\"1.12.0\"", "\"2.0.0-rc.1\""));
}

#[test]
fn package_json_without_a_version_is_an_error() {
    let err = edit("package.json", EditField::PackageJson, "2.0.0")
        .apply(Some(
            "{\"name\": \"x\", \"engines\": {\"version\": \"1\"}}\n",
        ))
        .unwrap_err();
    assert!(matches!(err, VersionEditError::NoField { .. }), "{err}");
    assert!(err.to_string().contains("package.json has no"), "{err}");
}

#[test]
fn chart_yaml_keeps_quotes_comments_and_nested_versions() {
    let text = "apiVersion: v2\nname: identity\n# chart version\nversion: 1.12.0 # bumped by CI\n\
                appVersion: '1.12.0'\ndependencies:\n  - name: redis\n    version: 17.0.0\n";
    let out = edit("Chart.yaml", chart("version"), "2.0.0-rc.1")
        .apply(Some(text))
        .unwrap();
    let out = edit("Chart.yaml", chart("appVersion"), "2.0.0rc1")
        .apply(Some(&out))
        .unwrap();
    assert_eq!(
        out,
        "apiVersion: v2\nname: identity\n# chart version\nversion: 2.0.0-rc.1 # bumped by CI\n\
         appVersion: '2.0.0rc1'\ndependencies:\n  - name: redis\n    version: 17.0.0\n"
    );
}

#[test]
fn python_version_line_in_either_quote() {
    let text = "import os\n\n__version__: str = \"1.0.0\"\nVERSION_INFO = __version__\n";
    assert_eq!(
        edit("v.py", EditField::Python, "2.0.0rc1")
            .apply(Some(text))
            .unwrap(),
        "import os\n\n__version__: str = \"2.0.0rc1\"\nVERSION_INFO = __version__\n"
    );
    let indented = "if True:\n    __version__ = '1'\n";
    assert!(
        edit("v.py", EditField::Python, "2")
            .apply(Some(indented))
            .is_err(),
        "only a top-level assignment is the module's version"
    );
}

#[test]
fn pyproject_static_version_only_in_the_project_table() {
    let text = "[tool.poetry]\nversion = \"0.1.0\"\n\n[project]\nname = \"spaceone-core\"\n\
                version = '1.12.0'\n\n[project.urls]\nversion = \"x\"\n";
    assert_eq!(
        edit("pyproject.toml", EditField::Pyproject, "2.0.0.dev3")
            .apply(Some(text))
            .unwrap(),
        text.replace("'1.12.0'", "'2.0.0.dev3'")
    );
    let dynamic = "[project]\nname = \"x\"\ndynamic = [\"version\"]\n";
    let err = edit("pyproject.toml", EditField::Pyproject, "2.0.0")
        .apply(Some(dynamic))
        .unwrap_err();
    assert_eq!(
        err,
        VersionEditError::Dynamic {
            path: "pyproject.toml".into()
        }
    );
}

#[test]
fn a_missing_structured_file_is_an_error_and_a_whole_file_is_created() {
    let err = edit("deploy/helm/Chart.yaml", chart("version"), "2.0.0")
        .apply(None)
        .unwrap_err();
    assert!(matches!(err, VersionEditError::Missing { .. }), "{err}");
    assert!(err.help().contains("deploy/helm/Chart.yaml"));
    assert_eq!(
        edit("src/VERSION", EditField::Whole, "2.0.0rc1")
            .apply(None)
            .unwrap(),
        "2.0.0rc1\n"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

    /// Whatever a file holds, an edit never panics, and when it succeeds the rest of the file
    /// is unchanged: the new text is the old one with one span replaced by the value.
    #[test]
    fn edits_replace_one_span_or_refuse(
        text in "(\\{|\\}|\"|'|version|__version__|\\[project\\]|appVersion|=|:| |\\n|\\\\|#|1\\.0|dynamic|,|\\[|\\])*",
        which in 0usize..5,
    ) {
        let field = match which {
            0 => EditField::PackageJson,
            1 => chart("version"),
            2 => chart("appVersion"),
            3 => EditField::Python,
            _ => EditField::Pyproject,
        };
        let value = "9.9.9-rc.9";
        if let Ok(out) = edit("f", field, value).apply(Some(&text)) {
            // The alphabet is ASCII, so every byte offset is a character boundary.
            let one_span = (0..=text.len()).any(|start| {
                out.starts_with(&text[..start])
                    && out[start..].starts_with(value)
                    && text[start..].ends_with(&out[start + value.len()..])
            });
            proptest::prop_assert!(one_span, "more than one span changed: {:?} -> {:?}", text, out);
        }
    }
}
