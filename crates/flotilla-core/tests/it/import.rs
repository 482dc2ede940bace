//! `flotilla import`'s decisions, from repositories shaped like the seed platform's real ones
//! (the testkit's `seed_shaped`): categories, artifacts, spellings, version files,
//! dependencies and what is left undecided. Fixtures in `tests/fixtures/import/<case>/out.yaml`
//! hold the manifest each case writes; `UPDATE_FIXTURES=1` rewrites them.

use std::collections::BTreeMap;

use flotilla_core::import::{Evidence, FleetImport, RepoScan, manifest_text};
use flotilla_core::manifest;
use flotilla_testkit::fixtures::{self, Output};
use flotilla_testkit::{ShapedRepo, seed_shaped, version_files_shaped};

/// What the engine would read of a shaped repository.
fn scan(repo: &ShapedRepo) -> RepoScan {
    let mut paths: Vec<String> = repo.files.iter().map(|(p, _)| (*p).to_owned()).collect();
    paths.push("CHANGELOG.md".to_owned());
    paths.sort();
    let files: BTreeMap<String, String> = repo
        .files
        .iter()
        .filter(|(path, _)| RepoScan::wants(path))
        .map(|(path, text)| ((*path).to_owned(), text.clone()))
        .collect();
    let mut scan = RepoScan {
        name: repo.name.to_owned(),
        remote: format!("git@git.example.com:platform/{}.git", repo.name),
        default_branch: "master".to_owned(),
        branches: repo.branches(),
        tags: repo.tags(),
        paths,
        files,
        work_tree: false,
    };
    // The engine's second pass: what the build files point at.
    for path in Evidence::further_files(&scan) {
        if let Some((_, text)) = repo.files.iter().find(|(p, _)| *p == path) {
            scan.files.insert(path, text.clone());
        }
    }
    scan
}

fn seed_fleet() -> FleetImport {
    let scans: Vec<RepoScan> = seed_shaped().iter().map(scan).collect();
    FleetImport::from_scans(&scans)
}

/// Two libraries requiring each other: one edge is left out and said.
fn cycle_fleet() -> FleetImport {
    let lib = |name: &str, dist: &str, requires: &str| RepoScan {
        name: name.to_owned(),
        remote: format!("../{name}.git"),
        default_branch: "main".to_owned(),
        paths: vec!["setup.py".to_owned()],
        files: BTreeMap::from([(
            "setup.py".to_owned(),
            format!("setup(name='{dist}', version='1.0.0', install_requires=['{requires}'])\n"),
        )]),
        ..RepoScan::default()
    };
    FleetImport::from_scans(&[
        lib("alpha", "alpha-lib", "Beta_Lib>=1"),
        lib("beta", "beta-lib", "alpha-lib"),
    ])
}

/// Every kind of further version file (the testkit's `version_files_shaped`).
fn version_files_fleet() -> FleetImport {
    let scans: Vec<RepoScan> = version_files_shaped().iter().map(scan).collect();
    FleetImport::from_scans(&scans)
}

#[test]
fn fixtures() {
    let ran = fixtures::run("import", |case| {
        let fleet = match case.name().as_str() {
            "seed-shaped" => seed_fleet(),
            "cycle" => cycle_fleet(),
            "version-files" => version_files_fleet(),
            other => panic!("unknown import case {other}"),
        };
        let text = manifest_text(&fleet);
        if let Err(errors) = manifest::load("flotilla.yaml", &text) {
            panic!("the imported manifest is refused:\n{errors}\n{text}");
        }
        Output::new("out.yaml", text)
    });
    assert_eq!(ran.cases(), 3, "{ran:?}");
}

#[test]
fn the_seed_shaped_fleet_is_sorted_as_the_seed_table_sorts_it() {
    let fleet = seed_fleet();
    let by_name: BTreeMap<&str, _> = fleet.repos.iter().map(|r| (r.name.as_str(), r)).collect();
    let category = |name: &str| by_name[name].category.category.as_str();
    assert_eq!(category("python-core"), "backend-core");
    assert_eq!(category("api"), "backend-core");
    assert_eq!(category("identity"), "backend");
    assert_eq!(category("console"), "frontend");
    assert_eq!(category("spaceone-design-system"), "frontend-core");
    assert_eq!(category("plugin-aws-ec2-inven-collector"), "plugin");
    assert_eq!(category("spacectl"), "tool");
    assert_eq!(category("docs"), "unsorted");

    let artifacts = |name: &str| by_name[name].artifacts.clone();
    assert_eq!(artifacts("identity"), ["image", "python", "chart"]);
    assert_eq!(artifacts("python-core"), ["python"]);
    assert_eq!(
        artifacts("console"),
        ["image", "chart"],
        "a private package.json is not published"
    );
    assert_eq!(artifacts("spaceone-design-system"), ["npm"]);
    assert_eq!(artifacts("plugin-aws-ec2-inven-collector"), ["image"]);
    assert_eq!(artifacts("spacectl"), ["image", "python"]);
    assert!(artifacts("docs").is_empty());

    let deps = |name: &str| by_name[name].depends_on.clone();
    assert_eq!(deps("identity"), ["api", "python-core"]);
    assert_eq!(deps("spacectl"), ["api", "python-core"]);
    assert_eq!(
        deps("plugin-aws-ec2-inven-collector"),
        ["api", "python-core"]
    );
    assert_eq!(deps("console"), ["spaceone-design-system"]);
    assert!(deps("python-core").is_empty() && deps("api").is_empty());

    // Spellings and version files as the histories have them.
    let core = by_name["python-core"];
    assert_eq!(
        core.tag_template, "{canonical}",
        "the newest tag, 1.12.2, has no v"
    );
    assert_eq!(core.version_file, "src/VERSION");
    assert_eq!(core.python_source.as_deref(), Some("src"));
    assert_eq!(by_name["api"].python_source.as_deref(), Some("dist/python"));
    assert_eq!(by_name["identity"].tag_template, "v{canonical}");
    assert_eq!(
        by_name["spacectl"].version_file_template.as_deref(),
        Some("{canonical}"),
        "src/VERSION says 1.11.0 while the tags say v1.11.0"
    );
    assert_eq!(
        by_name["plugin-aws-ec2-inven-collector"].branch_template, None,
        "release-1.13 is the plugin category's own shape"
    );
    assert_eq!(
        core.branch_template.as_deref(),
        Some("release-{x}.{y}"),
        "the newest release branch of python-core is release-1.12"
    );

    assert_eq!(
        by_name["identity"].evidence.chart_image,
        Some(("image.version".to_owned(), "latest".to_owned()))
    );
    assert_eq!(
        by_name["identity"].chart_image_tag_key, None,
        "image.version is the default"
    );
    assert_eq!(
        by_name["console"].chart_image_tag_key.as_deref(),
        Some("image.tag")
    );

    // Tags read as every history is read: the plugin is at v1.13, python-core's newest
    // version is its development tag, and neither is a tag flotilla cannot read.
    let plugin = &by_name["plugin-aws-ec2-inven-collector"].tags;
    assert_eq!(plugin.newest.unwrap().to_string(), "1.13.0");
    assert_eq!(plugin.newest_tag.as_deref(), Some("v1.13"));
    assert!(plugin.not_versions.is_empty(), "{plugin:?}");
    assert_eq!(core.tags.newest.unwrap().to_string(), "2.0.0dev249");
    assert_eq!(core.tags.newest_release_tag.as_deref(), Some("1.12.2"));
    assert_eq!(
        by_name["identity"].tag_template, "v{canonical}",
        "a development tag does not decide how releases are spelled"
    );

    // The further version files, each in its format.
    let files = |name: &str| -> Vec<(String, &str, Option<Vec<String>>)> {
        by_name[name]
            .version_files
            .iter()
            .map(|f| (f.path.clone(), f.format, f.keys.clone()))
            .collect()
    };
    // Both keys, even where the chart's version (1.1.2) was bumped on its own: the published
    // chart carries the release's version, and the tagged tree says what was published.
    assert_eq!(
        files("identity"),
        [("deploy/helm/Chart.yaml".to_owned(), "Chart.yaml", None)],
    );
    assert_eq!(
        files("console"),
        [
            ("package.json".to_owned(), "package.json", None),
            ("deploy/helm/Chart.yaml".to_owned(), "Chart.yaml", None)
        ]
    );
    assert_eq!(
        files("spaceone-design-system"),
        [("package.json".to_owned(), "package.json", None)]
    );
    assert!(files("python-core").is_empty() && files("spacectl").is_empty());

    // What it could not decide, per repository, with why.
    let undecided = |name: &str| by_name[name].undecided.join("\n");
    assert!(undecided("python-core").contains("tags in two spellings (4 with v, 2 without)"));
    assert!(undecided("python-core").contains("2.0.dev249"));
    assert!(undecided("identity").contains("no version file on master"));
    assert!(undecided("api").contains("no version file on master"));
    assert!(undecided("docs").contains("no build files found"));
    assert!(
        !undecided("console").contains("package.json"),
        "the frontend's package.json is a version file now"
    );
    assert!(undecided("plugin-aws-ec2-inven-collector").contains("src/setup.py is not published"));
    let fleet_questions = fleet.undecided.join("\n");
    assert!(
        fleet_questions.contains("hotfix_semver"),
        "{fleet_questions}"
    );
    assert!(
        fleet_questions.contains("image_builder"),
        "{fleet_questions}"
    );
}

#[test]
fn a_dependency_cycle_is_broken_and_said() {
    let fleet = cycle_fleet();
    assert_eq!(fleet.repos[0].depends_on, ["beta"]);
    assert!(fleet.repos[1].depends_on.is_empty());
    assert_eq!(
        fleet.repos[1].undecided.last().map(String::as_str),
        Some("depends_on alpha left out: it closes the cycle alpha → beta → alpha")
    );
}

#[test]
fn further_version_files_are_found_in_their_formats() {
    let fleet = version_files_fleet();
    let tester = &fleet.repos[0];
    let files: Vec<(&str, &str, Option<&str>)> = tester
        .version_files
        .iter()
        .map(|f| (f.path.as_str(), f.format, f.template.as_deref()))
        .collect();
    assert_eq!(tester.version_file, "VERSION");
    assert_eq!(
        files,
        [
            ("deploy/VERSION", "pep440", None),
            ("docs/VERSION", "canonical", Some("{canonical}")),
            ("src/spaceone/tester/__init__.py", "python", None),
        ],
        "docs/VERSION has no v where VERSION has"
    );
    let sdk = &fleet.repos[1];
    assert_eq!(sdk.tag_template, "{canonical}");
    assert_eq!(sdk.version_files.len(), 1);
    assert_eq!(
        (
            sdk.version_files[0].path.as_str(),
            sdk.version_files[0].format
        ),
        ("pyproject.toml", "pyproject")
    );
    assert_eq!(sdk.python_source.as_deref(), Some("."));
    let sdk_notes = sdk.undecided.join("\n");
    assert!(
        sdk_notes
            .contains("pyproject.toml's [build-system] requires Spaceone_Tester, of this fleet")
            && sdk_notes.contains("python.build_isolation: false"),
        "{sdk_notes}"
    );
    assert!(
        !fleet.repos[0]
            .undecided
            .join("\n")
            .contains("build_isolation"),
        "only where a build needs a member"
    );
    let legacy = fleet.repos[2].undecided.join("\n");
    assert!(
        legacy.contains("reads the version from $BUILD_VERSION, which the build does not set"),
        "{legacy}"
    );
    for repo in &fleet.repos[..2] {
        assert!(
            !repo
                .undecided
                .iter()
                .any(|u| u.contains("another version file") || u.contains("PACKAGE_VERSION")),
            "{}: {:?}",
            repo.name,
            repo.undecided
        );
    }
}
