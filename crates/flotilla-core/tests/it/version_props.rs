//! The version scheme against its specification (issue 2) and against the reference parsers of
//! the ecosystems it renders for: `pep440_rs` for PyPI, `semver` for npm and Helm charts.
//!
//! Every rendering that claims to preserve the order is checked on random pairs; where one does
//! not (a hotfix in SemVer), the tests pin down exactly where it breaks.

use std::cmp::Ordering;
use std::str::FromStr;

use flotilla_core::version::{BRANCH_PLACEHOLDERS, NextError, TAG_PLACEHOLDERS};
use flotilla_core::{Channel, HotfixSemver, Stage, Template, Version};
use pep440_rs::{Prerelease, PrereleaseKind};
use proptest::prelude::*;

/// Numbers as people write them (small) and as the parser must survive them (any `u64`).
fn number() -> impl Strategy<Value = u64> + Clone {
    prop_oneof![3 => 0..20u64, 1 => any::<u64>()]
}

/// Numbers small enough that `next_*` and the patch-bump never reach `u64::MAX`.
fn small() -> impl Strategy<Value = u64> + Clone {
    prop_oneof![3 => 0..20u64, 1 => 0..1_000_000_000u64]
}

fn stage_from(n: impl Strategy<Value = u64> + Clone) -> impl Strategy<Value = Stage> {
    prop_oneof![
        n.clone().prop_map(Stage::Dev),
        n.clone().prop_map(Stage::Rc),
        Just(Stage::Final),
        n.prop_map(|h| Stage::Hotfix(h.max(1))),
    ]
}

fn version() -> impl Strategy<Value = Version> {
    (number(), number(), number(), stage_from(number()))
        .prop_map(|(x, y, z, stage)| Version::new(x, y, z, stage))
}

/// Versions from a few lines, so that random pairs often share a line or a minor.
fn clustered() -> impl Strategy<Value = Version> {
    (0..3u64, 0..3u64, 0..4u64, stage_from(0..12u64))
        .prop_map(|(x, y, z, stage)| Version::new(x, y, z, stage))
}

fn non_hotfix() -> impl Strategy<Value = Version> {
    prop_oneof![clustered(), version()]
        .prop_filter("not a hotfix", |v| !matches!(v.stage, Stage::Hotfix(_)))
}

/// The order of issue 2, written independently of the derived `Ord`: x.y.z, then
/// `devN < rcN < final < hotfix N`, numerically.
fn spec_key(v: &Version) -> (u64, u64, u64, u8, u64) {
    let (rank, n) = match v.stage {
        Stage::Dev(n) => (0, n),
        Stage::Rc(n) => (1, n),
        Stage::Final => (2, 0),
        Stage::Hotfix(n) => (3, n),
    };
    (v.major, v.minor, v.patch, rank, n)
}

/// Every spelling issue 2 accepts for `v`.
fn spellings(v: &Version) -> Vec<String> {
    let line = format!("{}.{}.{}", v.major, v.minor, v.patch);
    let bare = match v.stage {
        Stage::Dev(n) => vec![
            format!("{line}dev{n}"),
            format!("{line}-dev{n}"),
            format!("{line}.dev{n}"),
        ],
        Stage::Rc(n) => vec![format!("{line}rc{n}"), format!("{line}-rc{n}")],
        Stage::Final => vec![line],
        Stage::Hotfix(n) => vec![format!("{line}.{n}")],
    };
    bare.iter()
        .flat_map(|s| [s.clone(), format!("v{s}")])
        .collect()
}

fn pep(v: &Version) -> pep440_rs::Version {
    pep440_rs::Version::from_str(&v.pep440())
        .unwrap_or_else(|e| panic!("pep440_rs refuses {}: {e}", v.pep440()))
}

fn sem(text: &str) -> semver::Version {
    semver::Version::parse(text).unwrap_or_else(|e| panic!("semver refuses {text}: {e}"))
}

fn patch_bump(v: &Version) -> semver::Version {
    let rendered = v.semver(Some(HotfixSemver::PatchBump));
    sem(&rendered.unwrap_or_else(|e| panic!("{v}: {e}")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_round_trips(v in version()) {
        let canonical = v.to_string();
        prop_assert_eq!(Version::parse(&canonical), Ok(v));
        prop_assert_eq!(v.docker_tag(), canonical);
    }

    #[test]
    fn every_accepted_spelling_parses_to_the_same_version(v in version()) {
        for spelling in spellings(&v) {
            let parsed = Version::parse(&spelling);
            prop_assert_eq!(parsed.as_ref(), Ok(&v), "{}", spelling);
            prop_assert_eq!(parsed.unwrap().to_string(), v.to_string());
        }
        // The PEP 440 rendering is itself an accepted spelling.
        prop_assert_eq!(Version::parse(&v.pep440()), Ok(v));
    }

    #[test]
    fn tags_round_trip_through_their_template(v in version()) {
        for source in ["v{canonical}", "{canonical}", "release/{pep440}", "{x}.{y}.{z}-{canonical}"] {
            let template = Template::parse(source, TAG_PLACEHOLDERS).unwrap();
            prop_assert_eq!(Version::from_tag(&template, &v.render_tag(&template)), Some(v));
        }
    }

    /// The parser accepts nothing but the spellings of its result: any string it takes is one
    /// of `spellings(parse(s))`.
    #[test]
    fn accepted_strings_are_exactly_the_spellings(
        s in "v?(0|[1-9][0-9]{0,2}|00|01)\\.[0-9]{1,2}\\.[0-9]{1,2}((rc|dev|-rc|-dev|\\.dev|\\.|-|\\.rc|rc-)[0-9]{0,2})?"
    ) {
        if let Ok(v) = Version::parse(&s) {
            prop_assert!(spellings(&v).contains(&s), "{} accepted as {}", s, v);
        }
    }

    #[test]
    fn refusals_quote_the_input_and_list_the_forms(s in "\\PC{0,12}") {
        if let Err(e) = Version::parse(&s) {
            let message = e.to_string();
            prop_assert!(message.contains(&format!("{s:?}")), "{}", message);
            prop_assert!(message.contains("x.y.zrcN"), "{}", message);
            prop_assert_eq!(e.input, s);
        }
    }

    #[test]
    fn order_is_the_specified_total_order(a in version(), b in version(), c in clustered()) {
        prop_assert_eq!(a.cmp(&b), spec_key(&a).cmp(&spec_key(&b)));
        prop_assert_eq!(a.compare(&b), b.compare(&a).reverse());
        prop_assert_eq!(a.cmp(&b) == Ordering::Equal, a == b);
        prop_assert_eq!(a.cmp(&c), spec_key(&a).cmp(&spec_key(&c)));
    }

    #[test]
    fn sorting_is_transitive(mut vs in prop::collection::vec(clustered(), 2..40)) {
        vs.sort();
        for pair in vs.windows(2) {
            prop_assert!(spec_key(&pair[0]) <= spec_key(&pair[1]));
        }
    }

    #[test]
    fn pep440_is_normalized_and_equal(v in version()) {
        let parsed = pep(&v);
        prop_assert_eq!(parsed.to_string(), v.pep440());
        let expected = match v.stage {
            Stage::Dev(n) => pep440_rs::Version::new([v.major, v.minor, v.patch]).with_dev(Some(n)),
            Stage::Rc(n) => pep440_rs::Version::new([v.major, v.minor, v.patch])
                .with_pre(Some(Prerelease { kind: PrereleaseKind::Rc, number: n })),
            Stage::Final => pep440_rs::Version::new([v.major, v.minor, v.patch]),
            Stage::Hotfix(n) => pep440_rs::Version::new([v.major, v.minor, v.patch, n]),
        };
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn pep440_preserves_the_order(a in prop_oneof![clustered(), version()], b in prop_oneof![clustered(), version()]) {
        prop_assert_eq!(pep(&a).cmp(&pep(&b)), a.cmp(&b), "{} vs {}", a, b);
    }

    #[test]
    fn semver_is_valid_and_preserves_the_order(a in non_hotfix(), b in non_hotfix()) {
        let (sa, sb) = (a.semver(None).unwrap(), b.semver(None).unwrap());
        prop_assert_eq!(sem(&sa).to_string(), sa.clone());
        prop_assert_eq!(sem(&sa).cmp_precedence(&sem(&sb)), a.cmp(&b), "{} vs {}", sa, sb);
        prop_assert_eq!(sem(&sa).cmp(&sem(&sb)), a.cmp(&b));
    }

    #[test]
    fn hotfix_semver_needs_an_explicit_choice(v in version()) {
        let hotfix = matches!(v.stage, Stage::Hotfix(_));
        prop_assert_eq!(v.semver(None).is_err(), hotfix);
    }

    /// Patch-bump keeps the order of a hotfix against its own line and every earlier line,
    /// except hotfixes of earlier patch lines of the same minor (see the counterexamples below).
    #[test]
    fn patch_bump_preserves_the_order_where_it_claims_to(
        (x, y, z) in (0..3u64, 0..3u64, 0..5u64),
        n in 1..6u64,
        other in (0..3u64, 0..3u64, 0..5u64, stage_from(0..6u64)),
    ) {
        let hotfix = Version::new(x, y, z, Stage::Hotfix(n));
        let other = Version::new(other.0, other.1, other.2, other.3);
        let same_line = other.same_line(&hotfix);
        let older_minor = (other.major, other.minor) < (x, y);
        let older_patch_not_hotfix = (other.major, other.minor) == (x, y)
            && other.patch < z
            && !matches!(other.stage, Stage::Hotfix(_));
        prop_assume!(same_line || older_minor || older_patch_not_hotfix);
        let other_semver = sem(&other.semver(Some(HotfixSemver::PatchBump)).unwrap());
        prop_assert_eq!(
            other_semver.cmp_precedence(&patch_bump(&hotfix)),
            other.cmp(&hotfix),
            "{} vs {}", other, hotfix
        );
    }

    #[test]
    fn build_metadata_sorts_equal_to_the_final(
        (x, y, z) in (number(), number(), number()), n in 1..u64::MAX
    ) {
        let hotfix = Version::new(x, y, z, Stage::Hotfix(n));
        let rendered = sem(&hotfix.semver(Some(HotfixSemver::BuildMetadata)).unwrap());
        let line_final = sem(&hotfix.final_of_line().semver(None).unwrap());
        prop_assert_eq!(rendered.cmp_precedence(&line_final), Ordering::Equal);
        prop_assert_eq!(rendered.build.as_str(), format!("hotfix.{n}"));
    }

    #[test]
    fn a_line_shares_one_branch(
        (x, y, z) in (number(), number(), number()),
        rc in number(), hotfix in 1..u64::MAX, other_z in number(),
    ) {
        let default = Template::parse("release-{x}.{y}.{z}", BRANCH_PLACEHOLDERS).unwrap();
        let plugin = Template::parse("release-{x}.{y}", BRANCH_PLACEHOLDERS).unwrap();
        let line = [
            Version::new(x, y, z, Stage::Rc(rc)),
            Version::new(x, y, z, Stage::Final),
            Version::new(x, y, z, Stage::Hotfix(hotfix)),
        ];
        for template in [&default, &plugin] {
            for v in &line {
                prop_assert_eq!(v.render_branch(template), line[0].render_branch(template));
            }
        }
        prop_assert_eq!(line[0].render_branch(&default), format!("release-{x}.{y}.{z}"));
        let other = Version::new(x, y, other_z, Stage::Final);
        prop_assert_eq!(other.render_branch(&plugin), line[0].render_branch(&plugin));
        prop_assert_eq!(other.render_branch(&default) == line[0].render_branch(&default), other_z == z);
    }

    #[test]
    fn next_operations_go_forward(v in (small(), small(), small(), stage_from(small()))
        .prop_map(|(x, y, z, s)| Version::new(x, y, z, s)))
    {
        let checks = [
            ("rc", v.next_rc(), matches!(v.stage, Stage::Dev(_) | Stage::Rc(_))),
            ("dev", v.next_dev(), matches!(v.stage, Stage::Dev(_))),
            ("hotfix", v.next_hotfix(), matches!(v.stage, Stage::Final | Stage::Hotfix(_))),
        ];
        for (kind, next, defined) in checks {
            prop_assert_eq!(next.is_ok(), defined, "next {} of {}", kind, v);
            if let Ok(next) = next {
                prop_assert!(next > v, "next {} of {} is {}", kind, v, next);
                prop_assert!(next.same_line(&v));
                prop_assert_eq!(Version::parse(&next.to_string()), Ok(next));
            }
        }
        if matches!(v.stage, Stage::Dev(_) | Stage::Rc(_)) {
            prop_assert!(v.final_of_line() > v);
        }
        prop_assert_eq!(v.final_of_line().stage, Stage::Final);
    }
}

fn v(s: &str) -> Version {
    Version::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

/// Where patch-bump does not preserve the order: a hotfix against a later patch line of the
/// same minor, and hotfixes of two patch lines of one minor. The seed's scheme moves `y` for
/// new releases, which is why the choice is left to each repository.
#[test]
fn patch_bump_breaks_the_order_against_later_patch_lines() {
    let patch = |s: &str| patch_bump(&v(s));
    let later_line = sem(&v("1.2.4rc1").semver(None).unwrap());
    assert!(v("1.2.3.2") < v("1.2.4rc1"));
    assert_eq!(patch("1.2.3.2").to_string(), "1.2.5");
    assert_eq!(
        patch("1.2.3.2").cmp_precedence(&later_line),
        Ordering::Greater
    );
    // Collides with a regular release of the next patch line.
    assert_eq!(patch("1.2.3.1"), sem("1.2.4"));
    // Hotfixes of two patch lines.
    assert!(v("1.2.2.5") < v("1.2.3.1"));
    assert_eq!(
        patch("1.2.2.5").cmp_precedence(&patch("1.2.3.1")),
        Ordering::Greater
    );
}

/// input, canonical = docker, channel, tag, pep440, semver, branch
type Rendering<'a> = (
    &'a str,
    &'a str,
    Channel,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
);

#[test]
fn renders_every_spelling_of_issue_2() {
    let table: [Rendering; 9] = [
        (
            "1.2.3",
            "1.2.3",
            Channel::Final,
            "v1.2.3",
            "1.2.3",
            Some("1.2.3"),
            "release-1.2.3",
        ),
        (
            "v1.2.3",
            "1.2.3",
            Channel::Final,
            "v1.2.3",
            "1.2.3",
            Some("1.2.3"),
            "release-1.2.3",
        ),
        (
            "1.2.3rc1",
            "1.2.3rc1",
            Channel::Rc,
            "v1.2.3rc1",
            "1.2.3rc1",
            Some("1.2.3-rc.1"),
            "release-1.2.3",
        ),
        (
            "v1.2.3-rc1",
            "1.2.3rc1",
            Channel::Rc,
            "v1.2.3rc1",
            "1.2.3rc1",
            Some("1.2.3-rc.1"),
            "release-1.2.3",
        ),
        (
            "1.2.3dev4",
            "1.2.3dev4",
            Channel::Dev,
            "v1.2.3dev4",
            "1.2.3.dev4",
            Some("1.2.3-dev.4"),
            "release-1.2.3",
        ),
        (
            "1.2.3.dev4",
            "1.2.3dev4",
            Channel::Dev,
            "v1.2.3dev4",
            "1.2.3.dev4",
            Some("1.2.3-dev.4"),
            "release-1.2.3",
        ),
        (
            "v1.2.3-dev4",
            "1.2.3dev4",
            Channel::Dev,
            "v1.2.3dev4",
            "1.2.3.dev4",
            Some("1.2.3-dev.4"),
            "release-1.2.3",
        ),
        (
            "1.2.3.1",
            "1.2.3.1",
            Channel::Hotfix,
            "v1.2.3.1",
            "1.2.3.1",
            None,
            "release-1.2.3",
        ),
        (
            "v1.10.0.6",
            "1.10.0.6",
            Channel::Hotfix,
            "v1.10.0.6",
            "1.10.0.6",
            None,
            "release-1.10.0",
        ),
    ];
    let tag = Template::parse("v{canonical}", TAG_PLACEHOLDERS).unwrap();
    let branch = Template::parse("release-{x}.{y}.{z}", BRANCH_PLACEHOLDERS).unwrap();
    for (input, canonical, channel, tag_name, pep440, semver, branch_name) in table {
        let version = v(input);
        assert_eq!(version.to_string(), canonical, "{input}");
        assert_eq!(version.docker_tag(), canonical, "{input}");
        assert_eq!(version.channel(), channel, "{input}");
        assert_eq!(version.render_tag(&tag), tag_name, "{input}");
        assert_eq!(version.pep440(), pep440, "{input}");
        assert_eq!(version.semver(None).ok().as_deref(), semver, "{input}");
        assert_eq!(version.render_branch(&branch), branch_name, "{input}");
    }
    // rc and dev numbers may be 0, numbers have any number of digits.
    assert_eq!(v("1.2.3rc0").stage, Stage::Rc(0));
    assert_eq!(v("1.2.3dev0").stage, Stage::Dev(0));
    assert_eq!(
        v("123456789.987654321.18446744073709551615"),
        Version::new(123_456_789, 987_654_321, u64::MAX, Stage::Final)
    );
}

#[test]
fn refuses_everything_issue_2_lists() {
    let refused = [
        "1.2",
        "1.2.3-beta1",
        "01.2.3",
        "1.2.3rc",
        "1.2.3.1rc1",
        "1.2.3.0",
        "1.2.3 ",
        "",
        "1.2.\u{0663}", // ARABIC-INDIC DIGIT THREE
        "\u{FF11}.2.3", // FULLWIDTH DIGIT ONE
        "1.2.3rc\u{0661}",
        "1.2.3.dev",
        "1.2.3-dev",
        "1.2.3.rc1",
        "1.2.3-1",
        "1.2.3+build",
        "1.2.3.1.1",
        "1.2.3.01",
        "1.2.3dev01",
        "18446744073709551616.0.0",
    ];
    for input in refused {
        let err = Version::parse(input).expect_err(input);
        let message = err.to_string();
        assert!(
            message.contains(&format!("{input:?}")),
            "quotes the input: {message}"
        );
        for form in [
            "x.y.z,",
            "x.y.zrcN",
            "x.y.zdevN",
            "x.y.z.N",
            "v1.2.3-rc1",
            "1.2.3.dev1",
        ] {
            assert!(message.contains(form), "lists {form}: {message}");
        }
    }
}

#[test]
fn next_operations_refuse_what_has_no_answer() {
    let after_final = v("1.12.0").next_rc().unwrap_err();
    assert!(matches!(after_final, NextError::RcAfterFinal { .. }));
    assert!(
        after_final.to_string().contains("1.12.1rc1"),
        "{after_final}"
    );
    assert!(v("1.12.0.2").next_rc().is_err());
    assert!(matches!(
        v("1.12.0rc1").next_dev(),
        Err(NextError::DevAfterRc { .. })
    ));
    assert!(v("1.12.0").next_dev().is_err());
    assert!(matches!(
        v("1.12.0dev3").next_hotfix(),
        Err(NextError::HotfixBeforeFinal { .. })
    ));
}

/// Found while writing these tests: at the largest number there is, `next_rc`, `next_dev` and
/// `next_hotfix` returned the version itself instead of refusing.
#[test]
fn next_operations_refuse_to_run_out_of_numbers() {
    let max = u64::MAX;
    for (version, next) in [
        (
            Version::new(1, 2, 3, Stage::Rc(max)),
            Version::next_rc as fn(&Version) -> _,
        ),
        (Version::new(1, 2, 3, Stage::Dev(max)), Version::next_dev),
        (
            Version::new(1, 2, 3, Stage::Hotfix(max)),
            Version::next_hotfix,
        ),
    ] {
        match next(&version) {
            Ok(next) => panic!("next of {version} is {next}, not greater"),
            Err(err) => assert!(err.to_string().contains("new line"), "{err}"),
        }
    }
}
