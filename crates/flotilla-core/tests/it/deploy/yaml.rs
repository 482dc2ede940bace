//! GitOps values-file edits. Fixtures live in `tests/fixtures/deploy/yaml/<case>/`: `in.yaml`,
//! `key` and `value` (one line each), and either `out.yaml` (the exact bytes after the edit) or
//! `error.txt` (the exact refusal). `UPDATE_FIXTURES=1` rewrites `error.txt` files only: an
//! expected edit is always written by hand.

use std::fs;
use std::path::Path;

use flotilla_core::deploy::{YamlEditError, get_yaml_scalar, set_yaml_scalar};

fn line(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.strip_suffix('\n').unwrap_or(&text).to_owned()
}

#[test]
fn fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/deploy/yaml");
    let update = std::env::var_os("UPDATE_FIXTURES").is_some_and(|v| v == "1");
    let mut cases: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 25,
        "fixtures missing under {}",
        root.display()
    );
    let mut mismatches = Vec::new();
    let (mut edits, mut refusals) = (0, 0);
    for case in &cases {
        let input = fs::read_to_string(case.join("in.yaml")).unwrap();
        let key = line(&case.join("key"));
        let value = line(&case.join("value"));
        let result = set_yaml_scalar(&input, &key, &value);
        let out = case.join("out.yaml");
        if out.exists() {
            edits += 1;
            let expected = fs::read_to_string(&out).unwrap();
            match result {
                Ok(actual) if actual == expected => {
                    assert_eq!(get_yaml_scalar(&actual, &key), Some(value.clone()));
                }
                Ok(actual) => mismatches.push(format!(
                    "{}:\n--- expected\n{expected}--- actual\n{actual}",
                    case.display()
                )),
                Err(err) => mismatches.push(format!("{}: refused: {err}", case.display())),
            }
            continue;
        }
        refusals += 1;
        let actual = match result {
            Ok(text) => format!("edited:\n{text}"),
            Err(err) => format!("{err}\n"),
        };
        let error = case.join("error.txt");
        if update {
            fs::write(&error, &actual).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&error).unwrap_or_default();
        if actual != expected {
            mismatches.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                case.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
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
