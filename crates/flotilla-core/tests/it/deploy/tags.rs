use std::cmp::Ordering;

use flotilla_core::Version;
use flotilla_core::deploy::{DevBuild, ImageVersion, classify_tag};

fn tag(text: &str) -> ImageVersion {
    classify_tag(text).unwrap_or_else(|| panic!("{text} is not a deployable tag"))
}

#[test]
fn classifies_release_and_dev_build_tags() {
    let release = |v: &str| Some(ImageVersion::Release(Version::parse(v).unwrap()));
    let build = |base: &str, date, time| {
        Some(ImageVersion::DevBuild(DevBuild {
            base: Version::parse(base).unwrap(),
            date,
            time,
        }))
    };
    let table = [
        ("1.12.0", release("1.12.0")),
        ("1.12.0rc1", release("1.12.0rc1")),
        ("1.12.0rc10", release("1.12.0rc10")),
        ("1.12.0dev3", release("1.12.0dev3")),
        ("1.12.0.1", release("1.12.0.1")),
        ("0.9.0.20261126.071233", build("0.9.0", 20_261_126, 71_233)),
        (
            "1.0.0rc1.20261126.071233",
            build("1.0.0rc1", 20_261_126, 71_233),
        ),
        (
            "1.0.0dev2.20260101.000000",
            build("1.0.0dev2", 20_260_101, 0),
        ),
        (
            "1.0.0.3.20261231.235959",
            build("1.0.0.3", 20_261_231, 235_959),
        ),
        // Ignored: not flotilla's tags, or not canonical spellings of a version.
        ("latest", None),
        ("", None),
        ("v1.12.0", None),
        ("1.12.0-rc1", None),
        ("1.12.0.dev1", None),
        ("1.12", None),
        ("1.12.0-alpine", None),
        ("sha256-abc.sig", None),
        ("v0.9.0.20261126.071233", None),
        ("0.9.0.20261126.71233", None),
        ("0.9.0.2026112.071233", None),
        ("0.9.0.20261126.0712330", None),
        ("0.9.0.20261326.071233", None),
        ("0.9.0.20261100.071233", None),
        ("0.9.0.20261126.241233", None),
        ("0.9.0.20261126.076033", None),
        ("0.9.0.20261126.071260", None),
        ("0.9.20261126.071233", None),
        ("0.9.0.２0261126.071233", None),
        ("0.9.0.20261126.071233.1", None),
    ];
    for (input, expected) in table {
        assert_eq!(classify_tag(input), expected, "{input:?}");
        if let Some(version) = expected {
            assert_eq!(version.to_string(), input, "the tag round-trips");
        }
    }
}

#[test]
fn deploy_order_never_goes_back() {
    // Each tag deploys over the ones before it.
    let ascending = [
        "1.11.0",
        "1.11.0.1",
        "1.11.0.1.20261101.120000",
        "1.12.0dev1",
        "1.12.0rc1",
        "1.12.0rc9",
        "1.12.0rc10",
        "1.12.0rc10.20261102.080000",
        "1.12.0",
        "1.12.0.1",
        "1.12.0.1.20261103.090000",
        "1.12.0.1.20261103.090001",
        "1.13.0rc1",
    ];
    for (i, a) in ascending.iter().enumerate() {
        for (j, b) in ascending.iter().enumerate() {
            assert_eq!(tag(a).deploy_order(&tag(b)), i.cmp(&j), "{a} against {b}");
        }
    }
}

#[test]
fn dev_builds_compare_by_stamp() {
    // A later build is newer even when master's version file went back (a revert).
    let older = tag("1.2.0.20261126.071233");
    let newer = tag("1.1.0.20261126.071234");
    assert_eq!(newer.deploy_order(&older), Ordering::Greater);
    assert_eq!(older.deploy_order(&newer), Ordering::Less);
    assert_eq!(
        tag("1.1.0.20261127.000000").deploy_order(&tag("1.1.0.20261126.235959")),
        Ordering::Greater
    );
    assert_eq!(older.deploy_order(&older), Ordering::Equal);
    assert_eq!(older.channel_name(), "dev build");
    assert_eq!(tag("1.2.0rc1").channel_name(), "rc");
    assert_eq!(older.version(), Version::parse("1.2.0").unwrap());
    assert_eq!(
        serde_json::to_string(&newer).unwrap(),
        "\"1.1.0.20261126.071234\""
    );
}
