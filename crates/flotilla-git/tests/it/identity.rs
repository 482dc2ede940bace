use flotilla_git::{Identity, Repo};

use crate::support::{Sandbox, branch};

#[test]
fn fallback_identity_when_the_user_has_none() {
    let sandbox = Sandbox::new();
    let work = sandbox.unconfigured_work_tree();
    let git = sandbox
        .bare_git()
        .with_fallback_identity(Identity::new("Release Bot", "bot@fleet.example"));
    let work = Repo::open(git, work.path()).unwrap();
    work.write_file("a", b"a").unwrap();
    work.add(&["a"]).unwrap();
    work.commit("by the bot").unwrap().unwrap();
    let info = work.commit_info("HEAD").unwrap();
    assert_eq!(info.author_name, "Release Bot");
    assert_eq!(info.author_email, "bot@fleet.example");

    work.tag_annotated(&branch("v1"), "HEAD", "tagged by the bot")
        .unwrap();
    assert!(work.find_tag(&branch("v1")).unwrap().unwrap().annotated);
}

#[test]
fn default_identity_without_any_configuration() {
    let sandbox = Sandbox::new();
    let work = sandbox.unconfigured_work_tree();
    let work = Repo::open(sandbox.bare_git(), work.path()).unwrap();
    work.write_file("a", b"a").unwrap();
    work.add(&["a"]).unwrap();
    work.commit("anonymous").unwrap().unwrap();
    let info = work.commit_info("HEAD").unwrap();
    assert_eq!(info.author_name, Identity::default().name);
    assert_eq!(info.author_email, Identity::default().email);
}

#[test]
fn user_configuration_wins_over_the_fallback_and_explicit_identity_wins_over_both() {
    let sandbox = Sandbox::new();
    let work = sandbox.unconfigured_work_tree();
    std::fs::write(
        sandbox.home().join(".gitconfig"),
        "[user]\n\tname = Configured User\n\temail = user@example.com\n",
    )
    .unwrap();

    let configured = Repo::open(sandbox.bare_git(), work.path()).unwrap();
    configured.write_file("a", b"a").unwrap();
    configured.add(&["a"]).unwrap();
    configured.commit("as the user").unwrap().unwrap();
    assert_eq!(
        configured.commit_info("HEAD").unwrap().author_name,
        "Configured User"
    );

    let explicit = Repo::open(
        sandbox
            .bare_git()
            .with_identity(Identity::new("Explicit", "explicit@example.com")),
        work.path(),
    )
    .unwrap();
    explicit.write_file("b", b"b").unwrap();
    explicit.add(&["b"]).unwrap();
    explicit
        .commit("as configured on the handle")
        .unwrap()
        .unwrap();
    let info = explicit.commit_info("HEAD").unwrap();
    assert_eq!(info.author_name, "Explicit");
    assert_eq!(info.author_email, "explicit@example.com");
}

#[test]
fn partial_user_configuration_is_completed_by_the_fallback() {
    let sandbox = Sandbox::new();
    let work = sandbox.unconfigured_work_tree();
    std::fs::write(
        sandbox.home().join(".gitconfig"),
        "[user]\n\tname = Only A Name\n",
    )
    .unwrap();
    let work = Repo::open(sandbox.bare_git(), work.path()).unwrap();
    work.write_file("a", b"a").unwrap();
    work.add(&["a"]).unwrap();
    work.commit("half configured").unwrap().unwrap();
    let info = work.commit_info("HEAD").unwrap();
    assert_eq!(info.author_name, "Only A Name");
    assert_eq!(info.author_email, Identity::default().email);
}

#[test]
fn explicit_identity_is_committer_and_tagger_too_over_a_global_configuration() {
    let sandbox = Sandbox::new();
    let work = sandbox.unconfigured_work_tree();
    std::fs::write(
        sandbox.home().join(".gitconfig"),
        "[user]\n\tname = Host\n\temail = host@example.com\n",
    )
    .unwrap();
    let explicit = Repo::open(
        sandbox
            .bare_git()
            .with_identity(Identity::new("Release Bot", "bot@fleet.example")),
        work.path(),
    )
    .unwrap();
    explicit.write_file("a", b"a").unwrap();
    explicit.add(&["a"]).unwrap();
    explicit.commit("by the bot").unwrap().unwrap();
    explicit
        .tag_annotated(&branch("v1"), "HEAD", "tagged by the bot")
        .unwrap();

    // Read back with a handle of no identity at all: only what the objects say counts.
    let reader = Repo::open(sandbox.bare_git(), work.path()).unwrap();
    let info = reader.commit_info("HEAD").unwrap();
    assert_eq!(
        (info.author_name.as_str(), info.author_email.as_str()),
        ("Release Bot", "bot@fleet.example")
    );
    let out = std::process::Command::new("git")
        .args(["-C"])
        .arg(work.path())
        .args([
            "for-each-ref",
            "--format=%(taggername) %(taggeremail)|",
            "refs/tags/v1",
        ])
        .output()
        .unwrap();
    let committer = std::process::Command::new("git")
        .args(["-C"])
        .arg(work.path())
        .args(["log", "-1", "--format=%cn %ce"])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Release Bot <bot@fleet.example>|"
    );
    assert_eq!(
        String::from_utf8_lossy(&committer.stdout).trim(),
        "Release Bot bot@fleet.example"
    );
}
