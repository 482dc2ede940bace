//! Several version files, each in its own format, written in the one release commit the tag
//! names; pre-tag commands whose changes join that commit; the manifest's identity on every
//! commit and tag, whatever the host's git configuration says; optional signing.

use crate::support::{fails_until_file_exists, fleet};

const PACKAGE_JSON: &str = r#"{
  "name": "@fleet/console",
  "version": "0.9.0",
  "private": true,
  "scripts": {
    "build": "vite build"
  },
  "dependencies": {
    "vue": "^3.4.0"
  },
  "engines": { "node": ">=18", "version": "keep-me" }
}
"#;

const CHART_YAML: &str = "apiVersion: v2\nname: a\n# the chart's own version\nversion: 0.9.0\n\
description: SpaceONE a Helm chart for Kubernetes\ntype: application\nappVersion: \"0.9.0\" # the image tag\n\
dependencies:\n  - name: redis\n    version: 17.0.0\n    repository: https://charts.bitnami.com/bitnami\n";

const INIT_PY: &str = "\"\"\"The a service.\"\"\"\n\n__version__ = '0.9.0'\n\nNAME = \"a\"\n";

const PYPROJECT: &str = "[build-system]\nrequires = [\"setuptools>=61\"]\n\n[tool.other]\nversion = \"0.0.1\"\n\n\
[project]\nname = \"spaceone-a\"\nversion = \"0.9.0\"  # written by the release\ndependencies = [\"requests\"]\n";

const VERSION_FILES: &str = "version_files:\n\
  - {path: src/VERSION, format: pep440}\n\
  - {path: package.json, format: package.json}\n\
  - {path: deploy/helm/Chart.yaml, format: Chart.yaml}\n\
  - {path: src/a/__init__.py, format: python}\n\
  - {path: pyproject.toml, format: pyproject}";

/// Appends the version to the changelog, and makes a file under `.github`, which the release
/// branch does not carry.
const CHANGELOG_SCRIPT: &str = "#!/bin/sh\nset -e\nprintf '## %s\\n' \"$FLOTILLA_VERSION\" >> CHANGELOG.md\n\
mkdir -p .github && echo generated > .github/generated.txt\n";

fn versioned_fleet() -> flotilla_testkit::Fleet {
    fleet()
        .category("svc")
        .repo("a", "svc")
        .file("src/VERSION", "0.9.0\n")
        .file("package.json", PACKAGE_JSON)
        .file("deploy/helm/Chart.yaml", CHART_YAML)
        .file("src/a/__init__.py", INIT_PY)
        .file("pyproject.toml", PYPROJECT)
        .file("CHANGELOG.md", "# Changelog\n")
        .file("scripts/changelog.sh", CHANGELOG_SCRIPT)
        .repo_yaml(VERSION_FILES)
        .command("changelog", &["sh", "scripts/changelog.sh"], &["pre-tag"])
}

/// The files of `rev` as the release must have written them for `canonical`, `pep440` and
/// `semver`: only the version's bytes differ from the originals.
fn assert_rendered(
    fleet: &flotilla_testkit::Sandbox,
    rev: &str,
    (canonical, pep440, semver): (&str, &str, &str),
) {
    let show = |path: &str| {
        fleet
            .show("a", rev, path)
            .unwrap_or_else(|| panic!("{path} missing at {rev}"))
    };
    assert_eq!(show("VERSION"), format!("v{canonical}\n"), "at {rev}");
    assert_eq!(show("src/VERSION"), format!("{pep440}\n"), "at {rev}");
    assert_eq!(
        show("package.json"),
        PACKAGE_JSON.replace(
            "\"version\": \"0.9.0\"",
            &format!("\"version\": \"{semver}\"")
        ),
        "at {rev}: only the top-level version changes"
    );
    assert_eq!(
        show("deploy/helm/Chart.yaml"),
        CHART_YAML
            .replace("\nversion: 0.9.0\n", &format!("\nversion: {semver}\n"))
            .replace(
                "appVersion: \"0.9.0\"",
                &format!("appVersion: \"{canonical}\"")
            ),
        "at {rev}: comments, quotes and the subchart's version stay"
    );
    assert_eq!(
        show("src/a/__init__.py"),
        INIT_PY.replace("'0.9.0'", &format!("'{pep440}'")),
        "at {rev}"
    );
    assert_eq!(
        show("pyproject.toml"),
        PYPROJECT.replace("version = \"0.9.0\"", &format!("version = \"{pep440}\"")),
        "at {rev}: [tool.other] keeps its version"
    );
}

fn changed_files(fleet: &flotilla_testkit::Sandbox, rev: &str) -> Vec<String> {
    let listing = fleet.remote_git(
        "a",
        &[
            "diff-tree",
            "--no-commit-id",
            "--name-only",
            "-r",
            &format!("{rev}^{{commit}}"),
        ],
    );
    listing.lines().map(str::to_owned).collect()
}

#[test]
fn every_version_file_is_in_the_tagged_commit_and_reflected_to_master() {
    let fleet = versioned_fleet().build();

    fleet.flotilla(&["release", "start", "2.0.0"]).success();

    assert_rendered(&fleet, "v2.0.0rc1", ("2.0.0rc1", "2.0.0rc1", "2.0.0-rc.1"));
    let release = "[CI/CD] release version v2.0.0rc1";
    assert_eq!(fleet.count_subject("a", "v2.0.0rc1", release), 1);
    assert_eq!(
        fleet.subjects("a", "v2.0.0rc1")[0],
        release,
        "the tag names the release commit"
    );
    assert_eq!(
        changed_files(&fleet, "v2.0.0rc1"),
        [
            "CHANGELOG.md",
            "VERSION",
            "deploy/helm/Chart.yaml",
            "package.json",
            "pyproject.toml",
            "src/VERSION",
            "src/a/__init__.py",
        ],
        "one commit holds every version file and what the pre-tag command changed"
    );
    assert_eq!(
        fleet.show("a", "v2.0.0rc1", "CHANGELOG.md").as_deref(),
        Some("# Changelog\n## 2.0.0rc1\n")
    );
    assert_eq!(
        fleet.show("a", "v2.0.0rc1", ".github/generated.txt"),
        None,
        "what the release strips stays out of the release commit"
    );
    assert_rendered(&fleet, "master", ("2.0.0rc1", "2.0.0rc1", "2.0.0-rc.1"));

    fleet.flotilla(&["release", "final", "2.0.0"]).success();

    assert_rendered(&fleet, "v2.0.0", ("2.0.0", "2.0.0", "2.0.0"));
    assert_eq!(
        fleet.show("a", "v2.0.0", "CHANGELOG.md").as_deref(),
        Some("# Changelog\n## 2.0.0rc1\n## 2.0.0\n")
    );
    assert_eq!(
        fleet.count_subject("a", "v2.0.0", "[CI/CD] release version v2.0.0"),
        1
    );
    assert_rendered(&fleet, "master", ("2.0.0", "2.0.0", "2.0.0"));
}

#[test]
fn resume_after_the_tag_makes_no_second_release_commit() {
    let mut fleet = versioned_fleet()
        .file(
            "scripts/build.sh",
            &fails_until_file_exists("FLOTILLA_E2E_FIXED"),
        )
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .build();
    let fixed = fleet.outside("fixed");
    fleet.set_env("FLOTILLA_E2E_FIXED", &fixed);

    fleet.flotilla(&["release", "start", "2.0.0"]).failure();
    let tagged = fleet.rev("a", "v2.0.0rc1");
    std::fs::write(&fixed, "").unwrap();
    fleet.flotilla(&["release", "resume"]).success();

    assert_eq!(fleet.rev("a", "v2.0.0rc1"), tagged);
    assert_eq!(
        fleet.rev("a", "release-2.0.0"),
        tagged,
        "no commit after the tag"
    );
    assert_eq!(
        fleet.count_subject("a", "release-2.0.0", "[CI/CD] release version v2.0.0rc1"),
        1
    );
    assert_eq!(
        fleet.show("a", "release-2.0.0", "CHANGELOG.md").as_deref(),
        Some("# Changelog\n## 2.0.0rc1\n"),
        "the pre-tag command did not run again"
    );
}

#[test]
fn a_missing_structured_version_file_fails_the_step_with_its_name() {
    let fleet = fleet()
        .category("svc")
        .repo("a", "svc")
        .repo_yaml("version_files: [{path: web/package.json, format: package.json}]")
        .build();

    let out = fleet.flotilla(&["release", "start", "2.0.0"]).failure();

    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(
        text.contains("web/package.json does not exist"),
        "the error names the file:\n{text}"
    );
    assert_eq!(fleet.tags("a"), Vec::<String>::new(), "nothing is tagged");
}

const HOST_GITCONFIG: &str = "[user]\n\tname = Host\n\temail = host@example.com\n";

/// Author, committer (and for tags the tagger) of everything flotilla wrote to `repo`'s remote.
fn identities(fleet: &flotilla_testkit::Sandbox, repo: &str) -> Vec<String> {
    let commits = fleet.remote_git(repo, &["log", "--all", "--format=%s|%an <%ae>|%cn <%ce>"]);
    let mut found: Vec<String> = commits
        .lines()
        .filter(|line| line.starts_with("[CI/CD]"))
        .map(|line| line.split_once('|').map_or(line, |(_, who)| who).to_owned())
        .collect();
    let tags = fleet.remote_git(
        repo,
        &[
            "for-each-ref",
            "refs/tags",
            "--format=%(taggername) %(taggeremail)",
        ],
    );
    found.extend(tags.lines().map(|t| format!("tagger {t}")));
    found
}

#[test]
fn the_manifests_identity_wins_over_the_hosts_global_one() {
    let mut fleet = fleet()
        .setting("git_user_name: Release Bot")
        .setting("git_user_email: bot@fleet.example")
        .category("svc")
        .repo("a", "svc")
        .build();
    let global = fleet.outside("host.gitconfig");
    std::fs::write(&global, HOST_GITCONFIG).unwrap();
    fleet.set_env("GIT_CONFIG_GLOBAL", &global);

    fleet.flotilla(&["release", "start", "1.0.0"]).success();

    let found = identities(&fleet, "a");
    // Strip, release and reflect commits; the rc1 tag.
    assert_eq!(found.len(), 4, "{found:?}");
    for who in &found {
        assert!(
            who == "Release Bot <bot@fleet.example>|Release Bot <bot@fleet.example>"
                || who == "tagger Release Bot <bot@fleet.example>",
            "not the manifest's identity: {who} (all: {found:?})"
        );
    }

    fleet.set_env("GIT_AUTHOR_NAME", "Override");
    fleet
        .flotilla(&["release", "tag", "1.0.0rc2", "--repo", "a"])
        .success();
    let author = fleet.remote_git("a", &["log", "-1", "--format=%an|%cn", "v1.0.0rc2"]);
    assert_eq!(
        author.trim(),
        "Override|Release Bot",
        "git's own variable in flotilla's environment overrides the author"
    );
}

#[test]
fn signed_commits_and_tags_verify_with_the_configured_ssh_key() {
    if std::process::Command::new("ssh-keygen")
        .arg("-?")
        .output()
        .is_err()
    {
        eprintln!("skipped: ssh-keygen is not installed");
        return;
    }
    let mut fleet = fleet()
        .setting("git_user_name: Release Bot")
        .setting("git_user_email: bot@fleet.example")
        .setting("sign: {commits: true, tags: true}")
        .category("svc")
        .repo("a", "svc")
        .build();
    let key = fleet.outside("signing-key");
    let status = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "bot@fleet.example",
            "-f",
        ])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let global = fleet.outside("host.gitconfig");
    std::fs::write(
        &global,
        format!(
            "[gpg]\n\tformat = ssh\n[user]\n\tsigningkey = {}\n",
            key.with_extension("pub").display()
        ),
    )
    .unwrap();
    fleet.set_env("GIT_CONFIG_GLOBAL", &global);
    let allowed = fleet.outside("allowed_signers");
    std::fs::write(&allowed, format!("bot@fleet.example {}", public.trim())).unwrap();
    let allowed_config = format!("gpg.ssh.allowedSignersFile={}", allowed.display());

    fleet.flotilla(&["release", "start", "1.0.0"]).success();

    // Panics unless git verifies the tag's signature against the allowed signer.
    fleet.remote_git("a", &["-c", &allowed_config, "verify-tag", "v1.0.0rc1"]);
    for rev in ["v1.0.0rc1^{commit}", "v1.0.0rc1^{commit}^", "master"] {
        let out = fleet.git_handle().try_output(
            &fleet.remote("a"),
            &["-c", &allowed_config, "verify-commit", rev],
        );
        assert!(
            out.status.success(),
            "{rev} is not signed by the key: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let unsigned = fleet.git_handle().try_output(
        &fleet.remote("a"),
        &["-c", &allowed_config, "verify-commit", "master^"],
    );
    assert!(
        !unsigned.status.success(),
        "the seed commit is not flotilla's and has no signature"
    );
}
