//! Reading a repository's history, data-driven: each folder `tests/fixtures/tags/<case>/`
//! holds `tags.txt` (one tag per line; `#` comments; a `# template: T` line sets the tag
//! template, `v{canonical}` by default) and `out.txt`: every tag read as a version, newest
//! first, then the tags that are not versions. `UPDATE_FIXTURES=1` rewrites `out.txt`.

use std::fmt::Write as _;

use flotilla_core::Version;
use flotilla_core::template::Template;
use flotilla_core::version::TAG_PLACEHOLDERS;
use flotilla_testkit::fixtures::{self, Output};

fn read(text: &str) -> String {
    let mut template = "v{canonical}".to_owned();
    let mut read = Vec::new();
    let mut ignored = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(t) = comment.trim().strip_prefix("template:") {
                t.trim().clone_into(&mut template);
            }
            continue;
        }
        read.push(line.to_owned());
    }
    let template = Template::parse(&template, TAG_PLACEHOLDERS)
        .unwrap_or_else(|e| panic!("template {template}: {e}"));
    let mut versions = Vec::new();
    for tag in read {
        match Version::from_any_tag(&template, &tag) {
            Some(version) => versions.push((version, tag)),
            None => ignored.push(tag),
        }
    }
    versions.sort_by(|a, b| b.cmp(a));
    let mut out = String::new();
    for (version, tag) in &versions {
        let _ = writeln!(out, "{:<14} {tag}", version.to_string());
    }
    for tag in &ignored {
        let _ = writeln!(out, "ignored        {tag}");
    }
    out
}

#[test]
fn fixtures() {
    let ran = fixtures::run("tags", |case| {
        Output::new("out.txt", read(&case.input("tags.txt")))
    });
    assert!(ran.cases() >= 3, "fixtures missing: {ran:?}");
}

#[test]
fn every_spelling_of_a_version_reads_as_that_version() {
    let template = Template::parse("v{canonical}", TAG_PLACEHOLDERS).unwrap();
    for (tags, version) in [
        (&["v1.12.0", "1.12.0"][..], "1.12.0"),
        (&["v1.13", "1.13", "v1.13.0"], "1.13.0"),
        (
            &["v1.13-rc1", "v1.13rc1", "v1.13.0-rc1", "1.13.0rc1"],
            "1.13.0rc1",
        ),
        (
            &["2.0.dev249", "v2.0.0-dev249", "2.0.0.dev249", "2.0.0dev249"],
            "2.0.0dev249",
        ),
        (&["v1.11.0.12", "1.11.0.12"], "1.11.0.12"),
    ] {
        for tag in tags {
            assert_eq!(
                Version::from_any_tag(&template, tag),
                Some(Version::parse(version).unwrap()),
                "{tag}"
            );
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

    /// Every spelling of a version that a history may hold reads back as that version: the
    /// canonical and PEP 440 ones with or without `v`, the original's hyphenated ones, and the
    /// two-part ones of an `x.y.0` line.
    #[test]
    fn spellings_read_back(
        x in 0..2000u64,
        y in 0..2000u64,
        z in 0..50u64,
        n in 1..500u64,
        stage in 0..4u8,
        v in proptest::bool::ANY,
    ) {
        let (stage, hyphenated, two_part) = match stage {
            0 => (flotilla_core::Stage::Dev(n), format!("-dev{n}"), Some(format!(".dev{n}"))),
            1 => (flotilla_core::Stage::Rc(n), format!("-rc{n}"), Some(format!("-rc{n}"))),
            2 => (flotilla_core::Stage::Final, String::new(), Some(String::new())),
            _ => (flotilla_core::Stage::Hotfix(n), format!(".{n}"), None),
        };
        let version = Version::new(x, y, z, stage);
        let prefix = if v { "v" } else { "" };
        let mut spellings = vec![
            format!("{prefix}{version}"),
            format!("{prefix}{}", version.pep440()),
            format!("{prefix}{x}.{y}.{z}{hyphenated}"),
        ];
        if let (0, Some(suffix)) = (z, two_part) {
            spellings.push(format!("{prefix}{x}.{y}{suffix}"));
        }
        for tag in spellings {
            proptest::prop_assert_eq!(Version::read_tag(&tag), Some(version), "{}", tag);
        }
    }

    /// Any text: no panic, and what is read is either a version `parse` accepts or a two-part
    /// one of an `x.y.0` line that is never a hotfix.
    #[test]
    fn any_text_reads_safely(tag in "\\PC{0,24}|v?[0-9]{1,3}(\\.[0-9]{1,3}){0,4}(-?(rc|dev)[0-9]{0,3})?") {
        if let Some(version) = Version::read_tag(&tag) {
            let strict = Version::parse(&tag).ok();
            proptest::prop_assert!(
                strict == Some(version)
                    || (version.patch == 0
                        && !matches!(version.stage, flotilla_core::Stage::Hotfix(_))),
                "{} read as {}", tag, version
            );
        }
    }
}
