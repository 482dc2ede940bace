//! GitOps values-file edits. Fixtures live in `tests/fixtures/deploy/yaml/<case>/`: `in.yaml`,
//! `key` and `value` (one line each), and either `out.yaml` (the exact bytes after the edit) or
//! `error.txt` (the exact refusal). `UPDATE_FIXTURES=1` rewrites `error.txt` files only: an
//! expected edit is always written by hand.

use flotilla_core::deploy::{YamlEditError, get_yaml_scalar, set_yaml_scalar};
use flotilla_testkit::fixtures::{self, Output};

#[test]
fn fixtures() {
    let ran = fixtures::run("deploy/yaml", |case| {
        let input = case.input("in.yaml");
        let key = case.line("key");
        let value = case.line("value");
        let result = set_yaml_scalar(&input, &key, &value);
        if case.has("out.yaml") {
            let actual = match result {
                Ok(actual) => {
                    assert_eq!(
                        get_yaml_scalar(&actual, &key),
                        Some(value.clone()),
                        "{}: the edited value reads back",
                        case.name()
                    );
                    actual
                }
                Err(err) => format!("refused: {err}\n"),
            };
            return Output::by_hand_in("out.yaml", actual);
        }
        let actual = match result {
            Ok(text) => format!("edited:\n{text}"),
            Err(err) => format!("{err}\n"),
        };
        Output::new("error.txt", actual)
    });
    let (edits, refusals) = (
        ran.compared_with("out.yaml"),
        ran.compared_with("error.txt"),
    );
    assert!(
        edits >= 10 && refusals >= 15,
        "{edits} edits, {refusals} refusals"
    );
}

#[test]
fn reads_what_runs_now() {
    let text = "a:\n  plain: 1.2.3 # c\n  single: '1.2.3'\n  double: \"x\\ty\"\n  \
                null: ~\n  empty:\n  quoted_null: \"null\"\n  map:\n    k: v\n  flow: {k: v}\n";
    assert_eq!(get_yaml_scalar(text, "a.plain").as_deref(), Some("1.2.3"));
    assert_eq!(get_yaml_scalar(text, "a.single").as_deref(), Some("1.2.3"));
    assert_eq!(get_yaml_scalar(text, "a.double").as_deref(), Some("x\ty"));
    assert_eq!(
        get_yaml_scalar(text, "a.quoted_null").as_deref(),
        Some("null")
    );
    assert_eq!(get_yaml_scalar(text, "a.map.k").as_deref(), Some("v"));
    for missing in [
        "a.null", "a.empty", "a.map", "a.flow.k", "a.nope", "b", "a..b", "",
    ] {
        assert_eq!(get_yaml_scalar(text, missing), None, "{missing:?}");
    }
    assert_eq!(
        get_yaml_scalar("a: [1\n", "a"),
        None,
        "broken YAML reads as nothing"
    );
}

#[test]
fn new_values_keep_the_old_quoting_style() {
    let text = "plain: 1.0.0\nsingle: 'x'\ndouble: \"x\"\n";
    let set = |key, value| set_yaml_scalar(text, key, value);
    assert_eq!(
        set("double", "line\nbreak \u{7}\u{2028}").unwrap(),
        "plain: 1.0.0\nsingle: 'x'\ndouble: \"line\\nbreak \\u0007\\u2028\"\n"
    );
    assert_eq!(
        get_yaml_scalar(&set("double", "line\nbreak \u{7}").unwrap(), "double").as_deref(),
        Some("line\nbreak \u{7}")
    );
    assert_eq!(
        set("single", "").unwrap(),
        "plain: 1.0.0\nsingle: ''\ndouble: \"x\"\n"
    );
    let refused = |key, value| match set(key, value) {
        Err(YamlEditError::Unrepresentable { reason, .. }) => reason,
        other => panic!("{key} = {value:?} gave {other:?}"),
    };
    assert!(refused("single", "a\nb").contains("use double quotes"));
    for (value, why) in [
        ("", "null"),
        ("true", "a boolean"),
        ("yes", "a boolean"),
        ("null", "null"),
        ("12", "a number"),
        ("0x1F", "a number"),
        ("1e3", "a number"),
        ("1:30", "a number"),
        (".inf", "a number"),
        ("a: b", "no longer parse (mapping values are not allowed"),
        ("- x", "no longer parse"),
        ("x # y", "read back as \"x\""),
        ("[1]", "no longer hold a single plain value"),
        ("&a x", "no longer hold a single plain value"),
        (" padded", "read back as \"padded\""),
        ("two\nlines", "no longer parse"),
    ] {
        let reason = refused("plain", value);
        assert!(reason.contains(why), "{value:?}: {reason}");
    }
    // A plain number may become another number, or a string.
    let counts = "replicas: 2\n";
    assert_eq!(
        set_yaml_scalar(counts, "replicas", "3").unwrap(),
        "replicas: 3\n"
    );
    assert_eq!(
        set_yaml_scalar(counts, "replicas", "auto").unwrap(),
        "replicas: auto\n"
    );
}

#[test]
fn errors_name_the_position() {
    let text = "top:\n  image:\n    version: 1.0.0\n";
    let message = set_yaml_scalar(text, "top.image.tag", "2.0.0")
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "key `top.image.tag` not found: `top.image` (at 3:5) has no key `tag`; check the \
         environment's deploy key against the values file"
    );
    let message = set_yaml_scalar(text, "top..version", "2.0.0")
        .unwrap_err()
        .to_string();
    assert!(message.contains("empty segment"), "{message}");
    let message = set_yaml_scalar("a: 'x\n", "a", "y")
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("the values file is not valid YAML at 1:4: unclosed quote"),
        "{message}"
    );
    assert_eq!(
        set_yaml_scalar("", "a", "y").unwrap_err(),
        YamlEditError::Documents { count: 0 }
    );
}

#[test]
fn byte_order_mark_and_leading_comments_stay() {
    let text = "\u{feff}# values\r\nimage:\r\n  version: 1.0.0\r\n";
    assert_eq!(
        set_yaml_scalar(text, "image.version", "1.1.0").unwrap(),
        "\u{feff}# values\r\nimage:\r\n  version: 1.1.0\r\n"
    );
}
