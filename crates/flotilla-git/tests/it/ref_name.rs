use std::path::Path;

use flotilla_git::{RefName, RefNameProblem};
use flotilla_testkit::Git;

/// git as the oracle, isolated from the machine's settings.
const GIT: Git = Git::new();

/// (name, valid): every row is also checked against `git check-ref-format --allow-onelevel`,
/// except where flotilla is deliberately stricter (a leading `-`).
const TABLE: &[(&str, bool)] = &[
    ("main", true),
    ("release-1.2.3", true),
    ("release-1.2", true),
    ("v1.10.0-rc1", true),
    ("1.2.3rc1", true),
    ("feature/x", true),
    ("refs/heads/main", true),
    ("a.b", true),
    ("ünïcødé", true),
    ("a@b", true),
    ("a{b}", true),
    ("", false),
    ("@", false),
    ("a..b", false),
    ("..", false),
    ("a b", false),
    ("a~1", false),
    ("a^", false),
    ("a:b", false),
    ("a?", false),
    ("a*", false),
    ("a[b", false),
    ("a\\b", false),
    ("a\tb", false),
    ("a\u{7f}b", false),
    ("a@{1}", false),
    ("/a", false),
    ("a/", false),
    ("a//b", false),
    ("a.", false),
    (".a", false),
    ("a/.b", false),
    ("a.lock", false),
    ("a.lock/b", false),
    ("refs/heads/x.lock", false),
];

#[test]
fn validation_matches_git_check_ref_format() {
    for &(name, valid) in TABLE {
        assert_eq!(RefName::new(name).is_ok(), valid, "flotilla on {name:?}");
        let git_says = GIT.succeeds(
            Path::new("."),
            &["check-ref-format", "--allow-onelevel", name],
        );
        assert_eq!(git_says, valid, "git on {name:?}");
    }
}

#[test]
fn leading_dash_is_refused_like_git_refuses_it_for_branch_names() {
    let error = RefName::new("-delete").unwrap_err();
    assert_eq!(error.problem(), RefNameProblem::LeadingDash);
    assert!(!GIT.succeeds(Path::new("."), &["check-ref-format", "--branch", "-delete"]));
    // Inside a full name a dash cannot be read as an option, and git accepts it there.
    assert!(RefName::new("refs/heads/-delete").is_ok());
    assert!(GIT.succeeds(Path::new("."), &["check-ref-format", "refs/heads/-delete"]));
}

#[test]
fn errors_name_the_problem() {
    let error = RefName::new("release 1.2").unwrap_err();
    assert_eq!(error.problem(), RefNameProblem::ForbiddenCharacter(' '));
    assert!(error.to_string().contains("\"release 1.2\""), "{error}");
    assert_eq!(
        RefName::new("x.lock").unwrap_err().problem(),
        RefNameProblem::ComponentEndsWithLock
    );
}
