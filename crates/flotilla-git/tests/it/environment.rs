use std::process::Command;

use flotilla_git::PushOptions;

use crate::support::{Sandbox, branch, commit_file};

/// Variables a git hook (or a shell inside a repository) may leave behind, each of which would
/// send an unprotected git command to the wrong repository or rewrite its configuration.
const HOSTILE_ENV: &[(&str, &str)] = &[
    ("GIT_DIR", "/nonexistent/hostile.git"),
    ("GIT_WORK_TREE", "/nonexistent/hostile"),
    ("GIT_INDEX_FILE", "/nonexistent/hostile-index"),
    ("GIT_OBJECT_DIRECTORY", "/nonexistent/hostile-objects"),
    ("GIT_COMMON_DIR", "/nonexistent/hostile-common"),
    ("GIT_NAMESPACE", "hostile"),
    ("GIT_CONFIG_PARAMETERS", "'user.name'='Hostile'"),
    ("LC_ALL", "xx_XX.UTF-8"),
];

/// Runs the ignored test below in a child process whose environment holds `HOSTILE_ENV`;
/// setting them in this process would race with the other tests.
#[test]
fn inherited_repository_variables_are_ignored() {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.args([
        "--exact",
        "environment::operations_in_a_hostile_environment",
        "--ignored",
        "--test-threads=1",
    ]);
    child.envs(HOSTILE_ENV.iter().copied());
    let output = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[test]
#[ignore = "run by inherited_repository_variables_are_ignored in a hostile environment"]
fn operations_in_a_hostile_environment() {
    assert_eq!(
        std::env::var("GIT_DIR").as_deref(),
        Ok("/nonexistent/hostile.git")
    );
    let sandbox = Sandbox::new();
    let (remote, url) = sandbox.seeded_remote("remote.git");
    let work = sandbox
        .git()
        .clone_repo(&url, sandbox.path("work"), None)
        .unwrap();
    let commit = commit_file(&work, "a", "a");
    work.tag_annotated(&branch("v1"), "HEAD", "tag").unwrap();
    work.push(
        "origin",
        &["HEAD:refs/heads/master", "refs/tags/v1"],
        &PushOptions::new().atomic(),
    )
    .unwrap();
    assert_eq!(
        remote.rev_parse("refs/heads/master").unwrap(),
        Some(commit.clone())
    );
    assert_eq!(
        remote.find_tag(&branch("v1")).unwrap().unwrap().commit,
        commit
    );
    assert_eq!(work.commit_info("HEAD").unwrap().author_name, "Test Author");
    // Messages are parsed in the C locale whatever the caller's is.
    assert_eq!(work.read_file("HEAD", "missing").unwrap(), None);
}
