use flotilla_git::{GitError, PushOptions, Repo};

use crate::support::{Sandbox, branch, commit_file};

#[test]
fn clone_commit_and_push_round_trip() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    assert!(!work.is_bare());
    assert_eq!(work.current_branch().unwrap(), Some(branch("master")));

    let before = work.head().unwrap().unwrap();
    let commit = commit_file(&work, "src/lib.txt", "one\n");
    assert_ne!(commit, before);
    assert_eq!(work.head().unwrap(), Some(commit.clone()));
    assert_eq!(work.commit("nothing staged").unwrap(), None);

    work.push("origin", &["HEAD:refs/heads/master"], &PushOptions::new())
        .unwrap();
    let remote_refs = sandbox.git().ls_remote(&url).unwrap();
    assert_eq!(remote_refs.branch("master"), Some(&commit));
}

#[test]
fn empty_remote_clones_with_unborn_head() {
    let sandbox = Sandbox::new();
    let git = sandbox.git();
    let remote = git
        .init_bare(sandbox.path("empty.git"), Some(&branch("main")))
        .unwrap();
    assert!(remote.is_bare());
    assert_eq!(remote.head().unwrap(), None);
    assert_eq!(remote.current_branch().unwrap(), Some(branch("main")));
    let work = git
        .clone_repo(remote.path().to_str().unwrap(), sandbox.path("work"), None)
        .unwrap();
    assert_eq!(work.head().unwrap(), None);
    let first = commit_file(&work, "a", "a");
    work.push("origin", &["HEAD:refs/heads/main"], &PushOptions::new())
        .unwrap();
    assert_eq!(remote.rev_parse("refs/heads/main").unwrap(), Some(first));
}

#[test]
fn read_file_at_ref() {
    let sandbox = Sandbox::new();
    let (remote, url) = sandbox.seeded_remote("remote.git");
    assert_eq!(
        remote.read_file("master", "README").unwrap(),
        Some(b"hello\n".to_vec())
    );
    assert_eq!(remote.read_file("master", "missing.txt").unwrap(), None);
    assert_eq!(remote.read_file("master", "dir/missing.txt").unwrap(), None);
    let missing_rev = remote.read_file("no-such-branch", "README").unwrap_err();
    assert!(missing_rev.is_ref_not_found(), "{missing_rev}");

    // A file that exists only in the work tree is still missing at the ref.
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    work.write_file("new.txt", b"x").unwrap();
    assert_eq!(work.read_file("HEAD", "new.txt").unwrap(), None);
}

#[test]
fn rev_parse_and_ancestry() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    let first = work.head().unwrap().unwrap();
    let second = commit_file(&work, "b", "b");
    assert_eq!(work.rev_parse("HEAD~1").unwrap(), Some(first.clone()));
    assert_eq!(
        work.rev_parse("origin/master").unwrap(),
        Some(first.clone())
    );
    assert_eq!(work.rev_parse("no-such-ref").unwrap(), None);
    assert_eq!(work.rev_parse("--help").unwrap(), None);
    assert!(work.is_ancestor(first.as_str(), second.as_str()).unwrap());
    assert!(!work.is_ancestor(second.as_str(), first.as_str()).unwrap());
    assert!(work.is_ancestor("HEAD", "HEAD").unwrap());
    assert!(
        work.is_ancestor("nope", "HEAD")
            .unwrap_err()
            .is_ref_not_found()
    );
}

#[test]
fn branches_create_and_switch() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    let base = work.head().unwrap().unwrap();

    work.create_branch(&branch("release-1.2.3"), "origin/master")
        .unwrap();
    assert_eq!(
        work.rev_parse("refs/heads/release-1.2.3").unwrap(),
        Some(base.clone())
    );
    assert_eq!(work.current_branch().unwrap(), Some(branch("master")));
    let again = work
        .create_branch(&branch("release-1.2.3"), "HEAD")
        .unwrap_err();
    assert!(again.is_already_exists(), "{again}");

    work.switch(&branch("release-1.2.3")).unwrap();
    assert_eq!(
        work.current_branch().unwrap(),
        Some(branch("release-1.2.3"))
    );

    work.switch_create(&branch("feature/x"), "master").unwrap();
    assert_eq!(work.current_branch().unwrap(), Some(branch("feature/x")));

    let missing = work.switch(&branch("no-such-branch")).unwrap_err();
    assert!(missing.is_ref_not_found(), "{missing}");
}

#[test]
fn switch_creates_local_branch_from_remote_one() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let seed = Repo::open(sandbox.git(), sandbox.path("remote.git-seed")).unwrap();
    seed.switch_create(&branch("release-1.0.0"), "HEAD")
        .unwrap();
    let tip = commit_file(&seed, "r", "r");
    seed.push("origin", &["release-1.0.0"], &PushOptions::new())
        .unwrap();

    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    work.switch(&branch("release-1.0.0")).unwrap();
    assert_eq!(work.head().unwrap(), Some(tip.clone()));

    let on_branch = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work2"), Some(&branch("release-1.0.0")))
        .unwrap();
    assert_eq!(on_branch.head().unwrap(), Some(tip));
}

#[test]
fn annotated_tags_and_atomic_push_of_branch_and_tag() {
    let sandbox = Sandbox::new();
    let (remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    let commit = commit_file(&work, "VERSION", "1.2.3\n");
    let tag = branch("v1.2.3");
    assert_eq!(work.find_tag(&tag).unwrap(), None);

    work.tag_annotated(&tag, "HEAD", "# release 1.2.3").unwrap();
    let found = work.find_tag(&tag).unwrap().unwrap();
    assert!(found.annotated);
    assert_eq!(found.commit, commit);
    assert_ne!(found.oid, commit);
    let duplicate = work.tag_annotated(&tag, "HEAD", "again").unwrap_err();
    assert!(duplicate.is_already_exists(), "{duplicate}");

    work.push(
        "origin",
        &["HEAD:refs/heads/master", "refs/tags/v1.2.3"],
        &PushOptions::new().atomic(),
    )
    .unwrap();
    assert_eq!(
        remote.rev_parse("refs/heads/master").unwrap(),
        Some(commit.clone())
    );
    let remote_tag = remote.find_tag(&tag).unwrap().unwrap();
    assert_eq!(remote_tag, found);

    // ls-remote reports the tag object and, on the `^{}` line, the commit.
    let listed = sandbox.git().ls_remote(&url).unwrap();
    let listed_tag = listed.tag("v1.2.3").unwrap();
    assert_eq!(listed_tag.oid, found.oid);
    assert_eq!(listed_tag.peeled.as_ref(), Some(&commit));
    assert_eq!(listed_tag.commit(), &commit);
    assert_eq!(work.ls_remote("origin").unwrap(), listed);
    // The repository's own listing is the same, without ls-remote's transport.
    assert_eq!(remote.refs().unwrap(), listed);
}

#[test]
fn lightweight_tag_and_tag_prefix_are_told_apart() {
    let sandbox = Sandbox::new();
    let (remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    let head = work.head().unwrap().unwrap();
    work.create_branch(&branch("tmp"), "HEAD").unwrap();
    work.tag_annotated(&branch("v1/inner"), "HEAD", "nested")
        .unwrap();
    assert_eq!(work.find_tag(&branch("v1")).unwrap(), None);
    let inner = work.find_tag(&branch("v1/inner")).unwrap().unwrap();
    assert_eq!(inner.commit, head);

    work.push(
        "origin",
        &["refs/heads/tmp:refs/tags/light"],
        &PushOptions::new(),
    )
    .unwrap();
    let listed = work.ls_remote("origin").unwrap();
    assert_eq!(listed.tag("light").unwrap().peeled, None);
    assert_eq!(listed.tag("light").unwrap().commit(), &head);
    assert_eq!(remote.refs().unwrap(), listed);
}

#[test]
fn delete_remote_branch() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    work.push("origin", &["HEAD:refs/heads/tmp"], &PushOptions::new())
        .unwrap();
    assert!(work.ls_remote("origin").unwrap().branch("tmp").is_some());
    work.delete_remote_ref("origin", "refs/heads/tmp").unwrap();
    assert!(work.ls_remote("origin").unwrap().branch("tmp").is_none());
}

#[test]
fn remove_paths_and_commit() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    work.write_file(".github/workflows/ci.yaml", b"on: push\n")
        .unwrap();
    work.write_file("keep.txt", b"keep\n").unwrap();
    work.add_all().unwrap();
    work.commit("add workflows").unwrap().unwrap();

    work.remove_paths(&[".github", "not-there"]).unwrap();
    assert!(!work.path().join(".github").exists());
    let removed = work.commit("[CI/CD] strip .github").unwrap().unwrap();
    assert_eq!(
        work.read_file(removed.as_str(), ".github/workflows/ci.yaml")
            .unwrap(),
        None
    );
    assert_eq!(
        work.read_file("HEAD", "keep.txt").unwrap(),
        Some(b"keep\n".to_vec())
    );

    // Removing what is already gone changes nothing.
    work.remove_paths(&[".github"]).unwrap();
    assert_eq!(work.commit("again").unwrap(), None);
}

#[test]
fn pathspecs_are_literal() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    work.write_file("a*", b"star\n").unwrap();
    work.write_file("ab", b"ab\n").unwrap();
    work.add(&["a*"]).unwrap();
    work.commit("only the star").unwrap().unwrap();
    assert_eq!(
        work.read_file("HEAD", "a*").unwrap(),
        Some(b"star\n".to_vec())
    );
    assert_eq!(work.read_file("HEAD", "ab").unwrap(), None);
}

#[test]
fn commit_info_reports_author_and_subject() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    work.write_file("VERSION", b"1.0.0\n").unwrap();
    work.add(&["VERSION"]).unwrap();
    let commit = work
        .commit("[CI/CD] release version 1.0.0\n\nbody line")
        .unwrap()
        .unwrap();
    let info = work.commit_info("HEAD").unwrap();
    assert_eq!(info.oid, commit);
    assert_eq!(info.subject, "[CI/CD] release version 1.0.0");
    assert_eq!(info.author_name, "Test Author");
    assert_eq!(info.author_email, "author@example.com");
    assert!(
        work.commit_info("no-such-rev")
            .unwrap_err()
            .is_ref_not_found()
    );
}

#[test]
fn write_file_stays_inside_the_work_tree() {
    let sandbox = Sandbox::new();
    let (remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    for bad in [
        "../escape.txt",
        "/tmp/absolute.txt",
        ".git/config",
        "a/../../b",
        "",
    ] {
        let error = work.write_file(bad, b"x").unwrap_err();
        assert!(
            matches!(error, GitError::PathOutsideWorkTree { .. }),
            "{bad:?}: {error}"
        );
        assert!(matches!(
            work.remove_paths(&[bad]),
            Err(GitError::PathOutsideWorkTree { .. })
        ));
    }
    assert!(!sandbox.path("escape.txt").exists());

    let outside = sandbox.path("outside");
    std::fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, work.path().join("link")).unwrap();
    let through_link = work.write_file("link/file.txt", b"x").unwrap_err();
    assert!(
        matches!(through_link, GitError::PathOutsideWorkTree { .. }),
        "{through_link}"
    );
    assert!(!outside.join("file.txt").exists());

    let bare = remote.write_file("config", b"x").unwrap_err();
    assert!(matches!(bare, GitError::BareRepository { .. }), "{bare}");
}

#[test]
fn a_directory_inside_another_repository_is_not_that_repository() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let outer = sandbox
        .git()
        .clone_repo(&url, sandbox.path("outer"), None)
        .unwrap();
    let inner = outer.path().join("not-a-repo");
    std::fs::create_dir(&inner).unwrap();
    let inner = Repo::open(sandbox.git(), &inner).unwrap();
    let error = inner.head().unwrap_err();
    assert!(
        error.to_string().contains("not a git repository"),
        "{error}"
    );
}

#[test]
fn finds_the_commit_carrying_a_trailer_line_and_only_a_whole_line() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    work.write_file("values.yaml", b"v: 1\n").unwrap();
    work.add(&["values.yaml"]).unwrap();
    let marked = work
        .commit("Deploy a.b\n\nFlotilla-Deployment: 01ABC.*\n")
        .unwrap()
        .unwrap();
    commit_file(&work, "other", "later\n");

    let line = "Flotilla-Deployment: 01ABC.*";
    assert_eq!(
        work.find_commit_with_line("HEAD", line).unwrap(),
        Some(marked)
    );
    // The pattern is literal: `.*` matches itself only, and a prefix of the line is not the line.
    assert_eq!(
        work.find_commit_with_line("HEAD", "Flotilla-Deployment: 01ABCX")
            .unwrap(),
        None
    );
    assert_eq!(
        work.find_commit_with_line("HEAD", "Flotilla-Deployment: 01AB")
            .unwrap(),
        None
    );
    assert!(work.find_commit_with_line("no-such-ref", line).is_err());
}

#[test]
fn list_files_walks_the_whole_tree_of_a_bare_repository() {
    let sandbox = Sandbox::new();
    let (remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    commit_file(&work, "deploy/helm/Chart.yaml", "name: x\n");
    commit_file(&work, ".github/workflows/[CI]master push.yml", "on: push\n");
    work.push("origin", &["HEAD:refs/heads/master"], &PushOptions::new())
        .unwrap();
    let files = remote.list_files("master").unwrap();
    assert_eq!(
        files,
        [
            ".github/workflows/[CI]master push.yml",
            "README",
            "deploy/helm/Chart.yaml"
        ]
    );
    assert!(remote.list_files("no-such-branch").is_err());
}
