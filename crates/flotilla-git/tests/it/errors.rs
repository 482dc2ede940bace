use flotilla_git::{FailureKind, PushOptions, RejectReason, redact_credentials};

use crate::support::{Sandbox, branch, commit_file};

#[test]
fn push_behind_the_remote_is_rejected_as_non_fast_forward() {
    let sandbox = Sandbox::new();
    let (remote, url) = sandbox.seeded_remote("remote.git");
    let git = sandbox.git();
    let first = git.clone_repo(&url, sandbox.path("first"), None).unwrap();
    let second = git.clone_repo(&url, sandbox.path("second"), None).unwrap();
    let winner = commit_file(&first, "a", "a");
    first
        .push("origin", &["HEAD:refs/heads/master"], &PushOptions::new())
        .unwrap();

    commit_file(&second, "b", "b");
    second
        .tag_annotated(&branch("v1.0.0"), "HEAD", "release")
        .unwrap();
    let error = second
        .push(
            "origin",
            &["HEAD:refs/heads/master", "refs/tags/v1.0.0"],
            &PushOptions::new().atomic(),
        )
        .unwrap_err();
    let rejection = error.push_rejection().unwrap_or_else(|| panic!("{error}"));
    assert!(rejection.is_out_of_date());
    let reasons: Vec<_> = rejection
        .refs()
        .iter()
        .map(|rejected| (rejected.destination.as_str(), rejected.reason.clone()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("refs/heads/master", RejectReason::NonFastForward),
            ("refs/tags/v1.0.0", RejectReason::AtomicPushFailed),
        ]
    );
    // Atomic: the tag did not land without its branch.
    assert_eq!(remote.find_tag(&branch("v1.0.0")).unwrap(), None);
    assert_eq!(remote.rev_parse("master").unwrap(), Some(winner));

    let command = error.command_error().unwrap();
    assert!(
        command
            .command
            .starts_with("git push --porcelain --atomic -- "),
        "{}",
        command.command
    );
    assert_eq!(command.exit_code, Some(1));
    let message = error.to_string();
    assert!(
        message.contains("help: the remote changed since it was fetched"),
        "{message}"
    );
    assert!(
        message.contains(
            &*sandbox
                .path("second")
                .canonicalize()
                .unwrap()
                .to_string_lossy()
        ),
        "{message}"
    );
}

#[test]
fn stale_lease_is_reported_as_stale() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    let old = work.head().unwrap().unwrap();
    let pushed = commit_file(&work, "a", "a");
    work.push("origin", &["HEAD:refs/heads/master"], &PushOptions::new())
        .unwrap();

    // Rewrite history, expecting the remote to still be at `old`: it is not.
    work.switch_create(&branch("rewrite"), old.as_str())
        .unwrap();
    commit_file(&work, "b", "b");
    let error = work
        .push(
            "origin",
            &["HEAD:refs/heads/master"],
            &PushOptions::new().force_with_lease("refs/heads/master", Some(old)),
        )
        .unwrap_err();
    let rejection = error.push_rejection().unwrap_or_else(|| panic!("{error}"));
    assert_eq!(rejection.refs()[0].reason, RejectReason::Stale);

    // With the right expectation the rewrite goes through.
    work.push(
        "origin",
        &["HEAD:refs/heads/master"],
        &PushOptions::new().force_with_lease("refs/heads/master", Some(pushed)),
    )
    .unwrap();
    assert_eq!(
        work.ls_remote("origin").unwrap().branch("master"),
        work.head().unwrap().as_ref()
    );
}

#[test]
fn pushing_an_existing_tag_with_another_value_is_rejected() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let git = sandbox.git();
    let first = git.clone_repo(&url, sandbox.path("first"), None).unwrap();
    first.tag_annotated(&branch("v1"), "HEAD", "one").unwrap();
    first
        .push("origin", &["refs/tags/v1"], &PushOptions::new())
        .unwrap();

    let second = git.clone_repo(&url, sandbox.path("second"), None).unwrap();
    commit_file(&second, "x", "x");
    second
        .tag_annotated(&branch("v1.0"), "HEAD", "other")
        .unwrap();
    let error = second
        .push(
            "origin",
            &["refs/tags/v1.0:refs/tags/v1"],
            &PushOptions::new(),
        )
        .unwrap_err();
    let rejection = error.push_rejection().unwrap_or_else(|| panic!("{error}"));
    assert_eq!(rejection.refs()[0].reason, RejectReason::AlreadyExists);
    assert!(!rejection.is_out_of_date());
}

#[test]
fn unreachable_remotes_are_classified() {
    let sandbox = Sandbox::new();
    let missing = sandbox.path("missing.git");
    let error = sandbox
        .git()
        .ls_remote(missing.to_str().unwrap())
        .unwrap_err();
    assert!(error.is_remote_unreachable(), "{error}");
    assert!(
        error.to_string().contains("help: check the remote URL"),
        "{error}"
    );

    let clone = sandbox
        .git()
        .clone_repo(
            &format!("file://{}", missing.display()),
            sandbox.path("c"),
            None,
        )
        .unwrap_err();
    assert!(clone.is_remote_unreachable(), "{clone}");
}

#[test]
fn missing_refs_are_classified() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let git = sandbox.git();
    let work = git.clone_repo(&url, sandbox.path("work"), None).unwrap();
    let fetch = work
        .fetch("origin", &["refs/heads/no-such-branch"])
        .unwrap_err();
    assert!(fetch.is_ref_not_found(), "{fetch}");
    let clone = git
        .clone_repo(&url, sandbox.path("c"), Some(&branch("no-such-branch")))
        .unwrap_err();
    assert!(clone.is_ref_not_found(), "{clone}");
    let push = work
        .push("origin", &["no-such-branch"], &PushOptions::new())
        .unwrap_err();
    assert!(push.is_ref_not_found(), "{push}");
    assert_eq!(
        push.command_error().map(|error| &error.kind),
        Some(&FailureKind::RefNotFound)
    );
}

#[test]
fn credentials_in_urls_never_reach_error_messages() {
    let sandbox = Sandbox::new();
    let url = "https://deploy:s3cr3t-token@127.0.0.1:1/fleet/repo.git";
    let error = sandbox
        .git()
        .clone_repo(url, sandbox.path("c"), None)
        .unwrap_err();
    let message = format!("{error} {error:?}");
    assert!(!message.contains("s3cr3t-token"), "{message}");
    assert!(!message.contains("deploy:"), "{message}");
    assert!(
        message.contains("https://***@127.0.0.1:1/fleet/repo.git"),
        "{message}"
    );
}

#[test]
fn redaction_table() {
    let cases = [
        (
            "https://user:pass@host/repo.git",
            "https://***@host/repo.git",
        ),
        ("https://token@host/repo.git", "https://***@host/repo.git"),
        ("ssh://git@host:22/repo.git", "ssh://***@host:22/repo.git"),
        ("https://host/repo.git", "https://host/repo.git"),
        (
            "https://host/path@not-userinfo",
            "https://host/path@not-userinfo",
        ),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("/srv/git/repo.git", "/srv/git/repo.git"),
        (
            "fatal: unable to access 'https://a:b@h/x/': failed; also http://c:d@e",
            "fatal: unable to access 'https://***@h/x/': failed; also http://***@e",
        ),
        (
            "remote.origin.pushurl=https://u:p@h/r",
            "remote.origin.pushurl=https://***@h/r",
        ),
        ("https://u:p@ss@h/r", "https://***@h/r"),
    ];
    for (input, expected) in cases {
        assert_eq!(redact_credentials(input), expected, "{input}");
    }
}
