use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use flotilla_publish::chart::{self, ChartPublished, ChartRelease};
use flotilla_publish::{Digest, Outcome, PublishError};
use serde_json::Value;

use crate::common::{touch_all, write_tree};

const CHART_YAML: &str = "# The identity service.\napiVersion: v2\nname: identity\n\
                          description: SpaceONE identity\ntype: application\n\
                          version: 0.1.0 # set by the release\nappVersion: \"0.0.0\"\n\
                          dependencies:\n  - name: common\n    version: 2.0.0\n";

pub fn chart_dir(root: &Path) -> PathBuf {
    let dir = root.join("deploy/helm");
    write_tree(
        &dir,
        &[
            ("Chart.yaml", CHART_YAML),
            ("values.yaml", "replicas: 1\n"),
            ("templates/deployment.yaml", "kind: Deployment\n"),
            ("templates/.scratch", "ignored by Helm's defaults\n"),
            ("templates/notes.bak", "ignored by .helmignore\n"),
            (".helmignore", "# backups\n*.bak\nci/\n"),
            ("ci/values.yaml", "ignored directory\n"),
            (
                "charts/common/Chart.yaml",
                "apiVersion: v2\nname: common\nversion: 2.0.0\n",
            ),
        ],
    );
    dir
}

/// Name and content of every entry of a `.tgz`, in archive order.
fn entries(path: &Path) -> Vec<(String, String)> {
    let file = fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut content = Vec::new();
            e.read_to_end(&mut content).unwrap();
            (name, String::from_utf8_lossy(&content).into_owned())
        })
        .collect()
}

fn index(repo: &Path) -> Value {
    serde_saphyr::from_str(&fs::read_to_string(repo.join("index.yaml")).unwrap()).unwrap()
}

#[test]
fn the_package_holds_the_chart_with_the_release_versions() {
    let dir = tempfile::tempdir().unwrap();
    let chart = chart::package(
        &chart_dir(dir.path()),
        "1.2.3",
        "1.2.3-rc.1",
        &dir.path().join("out"),
    )
    .unwrap();
    assert_eq!(chart.name(), "identity");
    assert_eq!(chart.path(), dir.path().join("out/identity-1.2.3.tgz"));
    let (digest, size) = Digest::of_reader(fs::File::open(chart.path()).unwrap()).unwrap();
    assert_eq!((chart.digest(), chart.size()), (digest, size));

    let entries = entries(chart.path());
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "identity/Chart.yaml",
            "identity/.helmignore",
            "identity/charts/common/Chart.yaml",
            "identity/templates/deployment.yaml",
            "identity/values.yaml"
        ]
    );
    // Only the two values changed; comments, order and the nested `version` stay.
    assert_eq!(
        entries[0].1,
        CHART_YAML
            .replace("version: 0.1.0 #", "version: \"1.2.3\" #")
            .replace("appVersion: \"0.0.0\"", "appVersion: \"1.2.3-rc.1\"")
    );
    assert_eq!(chart.metadata()["version"], "1.2.3");
    assert_eq!(chart.metadata()["appVersion"], "1.2.3-rc.1");
    assert_eq!(chart.metadata()["dependencies"][0]["version"], "2.0.0");
}

#[test]
fn packaging_is_reproducible() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let a = chart::package(&chart_dir(one.path()), "1.0.0", "1.0.0", one.path()).unwrap();
    let source = chart_dir(two.path());
    touch_all(&source);
    let b = chart::package(&source, "1.0.0", "1.0.0", two.path()).unwrap();
    assert_eq!(a.digest(), b.digest());
    let c = chart::package(&source, "1.0.0", "1.0.1", two.path()).unwrap();
    assert_ne!(a.digest(), c.digest());
}

#[test]
fn the_repository_index_lists_every_version_and_never_changes_one() {
    let dir = tempfile::tempdir().unwrap();
    let source = chart_dir(dir.path());
    let repo = dir.path().join("repo");

    let first = chart::package_to_dir(&source, "1.2.3", "1.2.3", &repo).unwrap();
    let tgz = repo.join("identity-1.2.3.tgz");
    assert_eq!(
        first,
        ChartPublished {
            name: "identity".to_owned(),
            version: "1.2.3".to_owned(),
            digest: Digest::of_bytes(&fs::read(&tgz).unwrap()),
            location: tgz.display().to_string(),
            outcome: Outcome::Written,
        }
    );
    let index_before = fs::read(repo.join("index.yaml")).unwrap();
    let again = chart::package_to_dir(&source, "1.2.3", "1.2.3", &repo).unwrap();
    assert_eq!(again.outcome, Outcome::Unchanged);
    assert_eq!(again.digest, first.digest);
    assert_eq!(fs::read(repo.join("index.yaml")).unwrap(), index_before);

    let rc = chart::package_to_dir(&source, "1.3.0-rc.1", "1.3.0-rc.1", &repo).unwrap();
    assert_eq!(rc.outcome, Outcome::Written);
    let index = index(&repo);
    assert_eq!(index["apiVersion"], "v1");
    assert!(index["generated"].is_string());
    let versions = index["entries"]["identity"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    let (newest, oldest) = (&versions[0], &versions[1]);
    assert_eq!(newest["version"], "1.3.0-rc.1");
    assert_eq!(newest["appVersion"], "1.3.0-rc.1");
    assert_eq!(newest["digest"], rc.digest.hex());
    assert_eq!(
        newest["urls"],
        serde_json::json!(["identity-1.3.0-rc.1.tgz"])
    );
    assert_eq!(oldest["version"], "1.2.3");
    assert_eq!(oldest["digest"], first.digest.hex());
    for entry in versions {
        assert_eq!(entry["apiVersion"], "v2");
        assert_eq!(entry["name"], "identity");
        assert_eq!(entry["description"], "SpaceONE identity");
        assert!(entry["created"].as_str().unwrap().ends_with('Z'));
    }

    // Different content under a published version: refused, and nothing changes.
    fs::write(source.join("values.yaml"), "replicas: 2\n").unwrap();
    let index_before = fs::read(repo.join("index.yaml")).unwrap();
    let package_before = fs::read(&tgz).unwrap();
    let err = chart::package_to_dir(&source, "1.2.3", "1.2.3", &repo).unwrap_err();
    assert!(
        matches!(&err, PublishError::FileConflict { filename, .. } if filename == "identity-1.2.3.tgz"),
        "{err}"
    );
    assert_eq!(fs::read(repo.join("index.yaml")).unwrap(), index_before);
    assert_eq!(fs::read(&tgz).unwrap(), package_before);
    let leftovers: Vec<_> = fs::read_dir(&repo)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".flotilla-") && n != ".flotilla.lock")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn refuses_charts_it_cannot_version() {
    let dir = tempfile::tempdir().unwrap();
    let source = chart_dir(dir.path());
    assert!(matches!(
        chart::package(&source, "1.2", "1.2", dir.path()),
        Err(PublishError::InvalidVersion { .. })
    ));
    fs::write(
        source.join("Chart.yaml"),
        "apiVersion: v2\nname: x\nversion: |\n  1.0.0\n",
    )
    .unwrap();
    assert!(matches!(
        chart::package(&source, "1.2.0", "1.2", dir.path()),
        Err(PublishError::InvalidSource { .. })
    ));
    fs::write(
        source.join("Chart.yaml"),
        "apiVersion: v2\nname: ../x\nversion: 1.0.0\n",
    )
    .unwrap();
    assert!(matches!(
        chart::package(&source, "1.2.0", "1.2", dir.path()),
        Err(PublishError::InvalidSource { .. })
    ));
}

const VALUES: &str = "# Defaults\nimage:\n  name: spaceone/identity\n  version: latest # pinned\n\
                      sidecar:\n  image:\n    version: stable\n";

fn values_of(package: &Path) -> String {
    entries(package)
        .into_iter()
        .find(|(name, _)| name == "identity/values.yaml")
        .unwrap()
        .1
}

#[test]
fn the_image_tag_is_pinned_in_values_at_its_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let source = chart_dir(dir.path());
    fs::write(source.join("values.yaml"), VALUES).unwrap();
    let release = ChartRelease::new("1.2.0-rc.1", "1.2.0rc1");

    let pinned = chart::package_release(
        &source,
        &release
            .clone()
            .with_image_tag("image.version", "1.2.0rc1", true),
        &dir.path().join("a"),
    )
    .unwrap();
    assert_eq!(
        values_of(pinned.path()),
        VALUES.replace("version: latest #", "version: 1.2.0rc1 #")
    );
    assert_eq!(
        fs::read_to_string(source.join("values.yaml")).unwrap(),
        VALUES,
        "the chart directory is not changed"
    );

    // The default key, absent: the values are packaged as written. Asked for: an error.
    let absent = release
        .clone()
        .with_image_tag("image.tag", "1.2.0rc1", false);
    let kept = chart::package_release(&source, &absent, &dir.path().join("b")).unwrap();
    assert_eq!(values_of(kept.path()), VALUES);
    let required = release.with_image_tag("image.tag", "1.2.0rc1", true);
    let err = chart::package_release(&source, &required, &dir.path().join("c")).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("image.tag") && text.contains("image_tag_key"),
        "{text}"
    );
}

#[test]
fn vendored_subcharts_are_packaged_and_a_missing_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A subchart vendored as the `.tgz` `helm dependency build` writes.
    let redis = dir.path().join("redis");
    write_tree(
        &redis,
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: redis\nversion: 17.0.0\n",
            ),
            ("values.yaml", "port: 6379\n"),
        ],
    );
    let source = chart_dir(dir.path());
    chart::package(&redis, "17.0.0", "7.0", &source.join("charts")).unwrap();
    let with_redis = CHART_YAML.replace(
        "dependencies:\n",
        "dependencies:\n  - name: redis\n    version: 17.x\n    repository: https://charts.example.com\n",
    );
    fs::write(source.join("Chart.yaml"), &with_redis).unwrap();

    let chart = chart::package(&source, "1.0.0", "1.0.0", &dir.path().join("out")).unwrap();
    let names: Vec<String> = entries(chart.path()).into_iter().map(|(n, _)| n).collect();
    for file in [
        "identity/charts/common/Chart.yaml",
        "identity/charts/redis-17.0.0.tgz",
    ] {
        assert!(names.iter().any(|n| n == file), "{file} in {names:?}");
    }

    fs::remove_file(source.join("charts/redis-17.0.0.tgz")).unwrap();
    let err = chart::package(&source, "1.0.0", "1.0.0", &dir.path().join("out")).unwrap_err();
    assert!(
        matches!(&err, PublishError::ChartDependenciesMissing { missing, .. } if missing == "redis"),
        "{err}"
    );
    assert!(err.to_string().contains("helm dependency build"), "{err}");
}

/// `apiVersion: v1` charts declare dependencies in `requirements.yaml`; they too must be
/// vendored.
#[test]
fn a_v1_charts_requirements_must_be_vendored_too() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("chart");
    write_tree(
        &source,
        &[
            (
                "Chart.yaml",
                "apiVersion: v1\nname: legacy\nversion: 0.1.0\n",
            ),
            (
                "requirements.yaml",
                "dependencies:\n  - name: mongodb\n    version: 7.x\n",
            ),
        ],
    );
    let err = chart::package(&source, "1.0.0", "1.0.0", dir.path()).unwrap_err();
    assert!(
        matches!(&err, PublishError::ChartDependenciesMissing { missing, .. } if missing == "mongodb"),
        "{err}"
    );
    write_tree(
        &source,
        &[(
            "charts/mongodb/Chart.yaml",
            "apiVersion: v1\nname: mongodb\nversion: 7.2.0\n",
        )],
    );
    chart::package(&source, "1.0.0", "1.0.0", dir.path()).unwrap();
}
