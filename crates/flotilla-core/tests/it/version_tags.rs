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
