use flotilla_git::{GitError, MirrorCache, PushOptions, Repo};

use crate::support::{Sandbox, branch, commit_file};

#[test]
fn refresh_follows_upstream_commits_and_deletions() {
    let sandbox = Sandbox::new();
    let (remote, url) = sandbox.seeded_remote("upstream.git");
    let cache = MirrorCache::new(sandbox.git(), sandbox.path("cache"));

    let mirror = cache.refresh("svc", &url).unwrap();
    assert!(mirror.is_bare());
    assert_eq!(
        mirror.path(),
        cache.mirror_path("svc").unwrap().canonicalize().unwrap()
    );
    let seeded = remote.rev_parse("master").unwrap();
    assert_eq!(mirror.rev_parse("refs/heads/master").unwrap(), seeded);

    // Upstream moves on: a new commit, a new branch, a tag.
    let upstream = sandbox
        .git()
        .clone_repo(&url, sandbox.path("dev"), None)
        .unwrap();
    let newer = commit_file(&upstream, "new.txt", "new");
    upstream
        .tag_annotated(&branch("v2"), "HEAD", "two")
        .unwrap();
    upstream
        .push(
            "origin",
            &[
                "HEAD:refs/heads/master",
                "HEAD:refs/heads/topic",
                "refs/tags/v2",
            ],
            &PushOptions::new(),
        )
        .unwrap();
    assert_eq!(mirror.rev_parse("refs/heads/master").unwrap(), seeded);

    let mirror = cache.refresh("svc", &url).unwrap();
    assert_eq!(
        mirror.rev_parse("refs/heads/master").unwrap(),
        Some(newer.clone())
    );
    assert_eq!(
        mirror.rev_parse("refs/heads/topic").unwrap(),
        Some(newer.clone())
    );
    assert_eq!(
        mirror.find_tag(&branch("v2")).unwrap().unwrap().commit,
        newer
    );

    // Deleted upstream, pruned here.
    upstream
        .delete_remote_ref("origin", "refs/heads/topic")
        .unwrap();
    cache.refresh("svc", &url).unwrap();
    assert_eq!(mirror.rev_parse("refs/heads/topic").unwrap(), None);
}

#[test]
fn work_tree_reads_from_the_mirror_and_pushes_to_the_real_remote() {
    let sandbox = Sandbox::new();
    let (remote, url) = sandbox.seeded_remote("upstream.git");
    let cache = MirrorCache::new(sandbox.git(), sandbox.path("cache"));
    cache.refresh("svc", &url).unwrap();

    let work = cache
        .work_tree(
            "svc",
            &url,
            sandbox.path("runs/1/svc"),
            Some(&branch("master")),
        )
        .unwrap();
    assert_eq!(work.current_branch().unwrap(), Some(branch("master")));
    assert_eq!(work.head().unwrap(), remote.rev_parse("master").unwrap());
    // No objects were copied: they are borrowed from the mirror.
    let alternates = work.path().join(".git/objects/info/alternates");
    assert!(
        std::fs::read_to_string(alternates)
            .unwrap()
            .contains("svc.git")
    );

    work.switch_create(&branch("release-1.0.0"), "origin/master")
        .unwrap();
    let commit = commit_file(&work, "VERSION", "1.0.0\n");
    work.push(
        "origin",
        &["HEAD:refs/heads/release-1.0.0"],
        &PushOptions::new().atomic(),
    )
    .unwrap();
    assert_eq!(
        remote.rev_parse("refs/heads/release-1.0.0").unwrap(),
        Some(commit.clone())
    );

    // The mirror learns about it on its next refresh, not before.
    let mirror = Repo::open(sandbox.git(), cache.mirror_path("svc").unwrap()).unwrap();
    assert_eq!(mirror.rev_parse("refs/heads/release-1.0.0").unwrap(), None);
    cache.refresh("svc", &url).unwrap();
    assert_eq!(
        mirror.rev_parse("refs/heads/release-1.0.0").unwrap(),
        Some(commit)
    );
}

#[test]
fn work_tree_creates_a_missing_mirror() {
    let sandbox = Sandbox::new();
    let (remote, url) = sandbox.seeded_remote("upstream.git");
    let cache = MirrorCache::new(sandbox.git(), sandbox.path("cache"));
    let work = cache
        .work_tree("svc", &url, sandbox.path("w"), None)
        .unwrap();
    assert_eq!(work.head().unwrap(), remote.rev_parse("master").unwrap());
    assert!(cache.mirror_path("svc").unwrap().exists());
    // Nothing left behind from the temporary clone.
    let entries: Vec<_> = std::fs::read_dir(cache.root()).unwrap().collect();
    assert_eq!(entries.len(), 1);
}

#[test]
fn mirror_names_cannot_escape_the_cache() {
    let sandbox = Sandbox::new();
    let cache = MirrorCache::new(sandbox.git(), sandbox.path("cache"));
    for bad in ["", "../x", "a/b", ".hidden", "-opt", "x y"] {
        assert!(
            matches!(
                cache.mirror_path(bad),
                Err(GitError::InvalidMirrorName { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(cache.mirror_path("identity_v2.core-1").is_ok());
}

#[test]
fn a_failed_first_clone_leaves_no_mirror() {
    let sandbox = Sandbox::new();
    let cache = MirrorCache::new(sandbox.git(), sandbox.path("cache"));
    let missing = sandbox.path("nowhere.git");
    let error = cache.refresh("svc", missing.to_str().unwrap()).unwrap_err();
    assert!(error.is_remote_unreachable(), "{error}");
    assert!(!cache.mirror_path("svc").unwrap().exists());
}

#[test]
fn refresh_clears_the_ref_locks_a_killed_git_left_in_the_mirror() {
    let sandbox = Sandbox::new();
    let (_remote, url) = sandbox.seeded_remote("upstream.git");
    let cache = MirrorCache::new(sandbox.git(), sandbox.path("cache"));
    let mirror = cache.refresh("deploy", &url).unwrap();
    // What `kill -9` of a fetch into the mirror leaves: git's own lock files.
    let leftovers = ["HEAD.lock", "packed-refs.lock", "refs/heads/master.lock"];
    for leftover in leftovers {
        std::fs::write(mirror.path().join(leftover), "").unwrap();
    }
    let upstream = sandbox
        .git()
        .clone_repo(&url, sandbox.path("dev"), None)
        .unwrap();
    let newer = commit_file(&upstream, "deployed.txt", "1.0.0");
    upstream
        .push("origin", &["HEAD:refs/heads/master"], &PushOptions::new())
        .unwrap();

    let mirror = cache.refresh("deploy", &url).unwrap();
    assert_eq!(mirror.rev_parse("refs/heads/master").unwrap(), Some(newer));
    for leftover in leftovers {
        assert!(!mirror.path().join(leftover).exists(), "{leftover}");
    }
}
