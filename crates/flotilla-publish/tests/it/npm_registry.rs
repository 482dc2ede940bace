//! The npm registry target against a real Verdaccio, checked with npm and node.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use flotilla_publish::http::{HttpClient, HttpPolicy, RetryPolicy};
use flotilla_publish::npm::{NpmPackage, NpmRegistryTarget, NpmSource, NpmTarget};
use flotilla_publish::{ArtifactKind, Outcome, PublishError};

use crate::common::run;
use crate::npm::source;
use flotilla_testkit::services::{self, unique};

fn pack(root: &Path, name: &str, version: &str, body: &str) -> NpmPackage {
    let root = root.join(version).join(body.len().to_string());
    NpmSource::new(source(&root, body), name, version)
        .unwrap()
        .with_source_date_epoch(1_700_000_000)
        .pack(&root.join("out"))
        .unwrap()
}

/// npm with a private configuration and cache, talking to `registry` only.
fn npm(dir: &Path, registry: &str) -> Command {
    let config = dir.join("npmrc");
    if !config.exists() {
        fs::write(&config, "").unwrap();
    }
    let mut command = Command::new("npm");
    command
        .arg("--userconfig")
        .arg(&config)
        .arg("--cache")
        .arg(dir.join("npm-cache"))
        .args(["--registry", registry, "--no-audit", "--no-fund"]);
    command
}

fn view(dir: &Path, registry: &str, name: &str, field: &str) -> serde_json::Value {
    serde_json::from_str(&run(
        npm(dir, registry).args(["view", name, field, "--json"])
    ))
    .unwrap()
}

#[test]
fn publishes_what_npm_installs_with_dist_tags_that_only_move_forward() {
    let Some(server) = services::npm() else {
        return;
    };
    let registry = format!("{}/", server.url());
    let http = HttpClient::new(HttpPolicy {
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(50),
            ..HttpPolicy::default().retry
        },
        ..HttpPolicy::default()
    })
    .unwrap();
    let target = NpmRegistryTarget::new(&registry, true, http)
        .unwrap()
        .with_token("flotilla-test-token");
    let dir = tempfile::tempdir().unwrap();
    let name = format!("@flotilla/{}", unique("lib"));

    let v100 = pack(dir.path(), &name, "1.0.0", "module.exports = 'one';\n");
    let published = target.publish(&v100, "latest").unwrap();
    assert_eq!(published.kind, ArtifactKind::Npm);
    assert_eq!(published.name, name);
    assert_eq!(published.digest, v100.digest());
    assert_eq!(published.tags, ["latest"]);
    assert_eq!(published.outcome, Outcome::Written);
    assert_eq!(
        target.publish(&v100, "latest").unwrap().outcome,
        Outcome::Unchanged
    );
    let dist = view(dir.path(), &registry, &format!("{name}@1.0.0"), "dist");
    assert_eq!(dist["integrity"], v100.integrity());
    assert_eq!(dist["shasum"], v100.shasum());

    let conflicting = pack(dir.path(), &name, "1.0.0", "module.exports = 'other';\n");
    let err = target.publish(&conflicting, "latest").unwrap_err();
    assert!(
        matches!(err, PublishError::NpmVersionConflict { .. }),
        "{err}"
    );

    let rc = pack(dir.path(), &name, "1.1.0-rc.1", "module.exports = 'rc';\n");
    assert_eq!(target.publish(&rc, "rc").unwrap().tags, ["rc"]);
    let v110 = pack(dir.path(), &name, "1.1.0", "module.exports = 'two';\n");
    target.publish(&v110, "latest").unwrap();
    // A hotfix of the older line is published but leaves `latest` on the newer release.
    let hotfix = pack(dir.path(), &name, "1.0.1", "module.exports = 'fix';\n");
    let published = target.publish(&hotfix, "latest").unwrap();
    assert_eq!(published.outcome, Outcome::Written);
    assert!(published.tags.is_empty());
    // A published version gets a new tag without being sent again.
    let tagged = target.publish(&v110, "stable").unwrap();
    assert_eq!(tagged.outcome, Outcome::Written);
    assert_eq!(tagged.tags, ["stable"]);

    let expected_tags = BTreeMap::from([
        ("latest".to_owned(), "1.1.0".to_owned()),
        ("stable".to_owned(), "1.1.0".to_owned()),
    ]);
    let viewed: BTreeMap<String, String> =
        serde_json::from_value(view(dir.path(), &registry, &name, "dist-tags")).unwrap();
    assert_eq!(viewed, expected_tags);
    assert_eq!(target.dist_tags(&name).unwrap(), expected_tags);
    assert_eq!(
        target.versions(&name).unwrap(),
        ["1.0.0", "1.0.1", "1.1.0-rc.1", "1.1.0"]
    );
    assert_eq!(
        view(dir.path(), &registry, &name, "versions"),
        serde_json::json!(["1.0.0", "1.0.1", "1.1.0-rc.1", "1.1.0"])
    );
    assert_eq!(
        target.versions(&unique("never-published")).unwrap(),
        Vec::<String>::new()
    );

    // `npm install NAME` lands on `latest`, never on the pre-release; a pinned version installs.
    for (spec, expected) in [(name.clone(), "two"), (format!("{name}@1.0.1"), "fix")] {
        let app = dir.path().join(format!("app-{expected}"));
        fs::create_dir_all(&app).unwrap();
        run(npm(dir.path(), &registry)
            .arg("install")
            .arg(&spec)
            .current_dir(&app));
        let loaded = run(Command::new("node")
            .args([
                "-e",
                &format!("const m = require('{name}'); console.log(m.util)"),
            ])
            .current_dir(&app));
        assert_eq!(loaded.trim(), expected, "{spec}");
    }
}

/// Verdaccio makes a package's first version `latest`, an rc too; the final then takes `latest`
/// and flotilla removes the `rc` tag it supersedes, as npm itself sees.
#[test]
fn the_final_after_a_first_rc_takes_latest_and_removes_the_rc_tag() {
    let Some(server) = services::npm() else {
        return;
    };
    let registry = format!("{}/", server.url());
    let target = NpmRegistryTarget::new(
        &registry,
        true,
        HttpClient::new(HttpPolicy::default()).unwrap(),
    )
    .unwrap()
    .with_token("flotilla-test-token");
    let dir = tempfile::tempdir().unwrap();
    let name = format!("@flotilla/{}", unique("first"));
    let tags = |dir: &Path| -> BTreeMap<String, String> {
        serde_json::from_value(view(dir, &registry, &name, "dist-tags")).unwrap()
    };

    let rc = pack(dir.path(), &name, "1.0.0-rc.1", "module.exports = 'rc';\n");
    target.publish(&rc, "rc").unwrap();
    assert_eq!(
        tags(dir.path()),
        BTreeMap::from([
            ("latest".to_owned(), "1.0.0-rc.1".to_owned()),
            ("rc".to_owned(), "1.0.0-rc.1".to_owned()),
        ])
    );
    let v100 = pack(dir.path(), &name, "1.0.0", "module.exports = 'one';\n");
    target.publish(&v100, "latest").unwrap();
    assert_eq!(
        tags(dir.path()),
        BTreeMap::from([("latest".to_owned(), "1.0.0".to_owned())])
    );
}
