use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use flotilla_publish::npm::{NpmDirTarget, NpmPackage, NpmSource, NpmTarget, PackageJson};
use flotilla_publish::{ArtifactKind, Outcome, PublishError};

use crate::common::{run, tar_gz_names, touch_all, write_tree};

const EPOCH: u64 = 1_700_000_000;
const NAME: &str = "@flotilla/demo-lib";

pub fn source(root: &Path, body: &str) -> PathBuf {
    let src = root.join("src");
    write_tree(
        &src,
        &[
            (
                "package.json",
                r#"{"name": "placeholder", "version": "0.0.0", "main": "index.js", "license": "MIT"}"#,
            ),
            (
                "index.js",
                "module.exports = { version: require('./package.json').version, util: require('./lib/util') };\n",
            ),
            ("lib/util.js", body),
            ("bin/cli.sh", "#!/bin/sh\necho cli\n"),
            ("node_modules/dep/index.js", "junk\n"),
            (".git/HEAD", "ref: x\n"),
            ("package-lock.json", "{}\n"),
            (".npmrc", "//registry/:_authToken=secret\n"),
        ],
    );
    src
}

fn pack(root: &Path, version: &str, body: &str) -> NpmPackage {
    NpmSource::new(source(root, body), NAME, version)
        .unwrap()
        .with_source_date_epoch(EPOCH)
        .pack(&root.join("out"))
        .unwrap()
}

#[test]
fn npm_installs_the_tarball_and_node_requires_it() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = pack(dir.path(), "1.2.0-rc.1", "module.exports = 'util';\n");
    assert_eq!(
        pkg.tarball().file_name().unwrap(),
        "@flotilla+demo-lib-1.2.0-rc.1.tgz"
    );
    assert_eq!(
        tar_gz_names(pkg.tarball()),
        [
            "package/bin/cli.sh",
            "package/index.js",
            "package/lib/util.js",
            "package/package.json"
        ]
    );
    assert_eq!(pkg.manifest()["name"], NAME);
    assert_eq!(pkg.manifest()["version"], "1.2.0-rc.1");

    // node computes the same integrity and shasum.
    let hashes = run(Command::new("node").arg("-e").arg(format!(
        "const c = require('crypto'); const b = require('fs').readFileSync({:?}); \
         console.log('sha512-' + c.createHash('sha512').update(b).digest('base64')); \
         console.log(c.createHash('sha1').update(b).digest('hex'));",
        pkg.tarball().display().to_string()
    )));
    let mut lines = hashes.lines();
    assert_eq!(lines.next(), Some(pkg.integrity()));
    assert_eq!(lines.next(), Some(pkg.shasum()));

    let target = NpmDirTarget::new(dir.path().join("npm"));
    let published = target.publish(&pkg, "rc").unwrap();
    assert_eq!(published.kind, ArtifactKind::Npm);
    assert_eq!(published.name, NAME);
    assert_eq!(published.version, "1.2.0-rc.1");
    assert_eq!(published.digest, pkg.digest());
    assert_eq!(published.tags, ["rc"]);
    let stored = PathBuf::from(&published.location);
    assert_eq!(fs::read(&stored).unwrap(), fs::read(pkg.tarball()).unwrap());

    let app = dir.path().join("app");
    fs::create_dir_all(&app).unwrap();
    run(Command::new("npm")
        .args(["install", "--offline", "--no-audit", "--no-fund", "--cache"])
        .arg(dir.path().join("npm-cache"))
        .arg(&stored)
        .current_dir(&app));
    let loaded = run(Command::new("node")
        .args([
            "-e",
            &format!("const m = require('{NAME}'); console.log(m.version, m.util)"),
        ])
        .current_dir(&app));
    assert_eq!(loaded.trim(), "1.2.0-rc.1 util");
    let lock: serde_json::Value =
        serde_json::from_slice(&fs::read(app.join("package-lock.json")).unwrap()).unwrap();
    assert_eq!(
        lock["packages"][format!("node_modules/{NAME}")]["integrity"],
        pkg.integrity()
    );
    let cli = app.join("node_modules/@flotilla/demo-lib/bin/cli.sh");
    assert!(fs::read_to_string(cli).unwrap().contains("echo cli"));
}

#[test]
fn packing_is_reproducible() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let a = pack(one.path(), "1.0.0", "x\n");
    let src = source(two.path(), "x\n");
    touch_all(two.path());
    let b = NpmSource::new(src, NAME, "1.0.0")
        .unwrap()
        .with_source_date_epoch(EPOCH)
        .pack(&two.path().join("out"))
        .unwrap();
    assert_eq!(a.integrity(), b.integrity());
    assert_eq!(
        fs::read(a.tarball()).unwrap(),
        fs::read(b.tarball()).unwrap()
    );
}

#[test]
fn versions_never_change_and_dist_tags_follow_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let target = NpmDirTarget::new(dir.path().join("npm"));
    let v100 = pack(&dir.path().join("a"), "1.0.0", "a\n");
    assert_eq!(
        target.publish(&v100, "latest").unwrap().outcome,
        Outcome::Written
    );
    assert_eq!(
        target.publish(&v100, "latest").unwrap().outcome,
        Outcome::Unchanged
    );

    let packument_path = dir.path().join("npm/@flotilla+demo-lib.json");
    let before = fs::read(&packument_path).unwrap();
    let conflicting = pack(&dir.path().join("b"), "1.0.0", "b\n");
    let err = target.publish(&conflicting, "latest").unwrap_err();
    assert!(
        matches!(err, PublishError::NpmVersionConflict { .. }),
        "{err}"
    );
    assert_eq!(fs::read(&packument_path).unwrap(), before);
    assert_eq!(
        fs::read(dir.path().join("npm/@flotilla+demo-lib-1.0.0.tgz")).unwrap(),
        fs::read(v100.tarball()).unwrap()
    );

    let rc = pack(&dir.path().join("c"), "1.1.0-rc.1", "c\n");
    assert!(matches!(
        target.publish(&rc, "latest"),
        Err(PublishError::PrereleaseAsLatest { .. })
    ));
    assert!(matches!(
        target.publish(&rc, "1.x"),
        Err(PublishError::InvalidName { .. })
    ));
    target.publish(&rc, "rc").unwrap();
    let v110 = pack(&dir.path().join("d"), "1.1.0", "d\n");
    assert_eq!(target.publish(&v110, "latest").unwrap().tags, ["latest"]);
    // A hotfix of the older line is published but does not take `latest`.
    let hotfix = pack(&dir.path().join("e"), "1.0.1", "e\n");
    let published = target.publish(&hotfix, "latest").unwrap();
    assert_eq!(published.outcome, Outcome::Written);
    assert!(published.tags.is_empty());

    assert_eq!(
        target.versions(NAME).unwrap(),
        ["1.0.0", "1.0.1", "1.1.0-rc.1", "1.1.0"]
    );
    let tags = target.dist_tags(NAME).unwrap();
    assert_eq!(tags["latest"], "1.1.0");
    assert!(
        !tags.contains_key("rc"),
        "the final removed the rc it supersedes: {tags:?}"
    );
    assert_eq!(
        target.versions("never-published").unwrap(),
        Vec::<String>::new()
    );

    let packument: serde_json::Value =
        serde_json::from_slice(&fs::read(&packument_path).unwrap()).unwrap();
    let dist = &packument["versions"]["1.1.0"]["dist"];
    assert_eq!(dist["integrity"], v110.integrity());
    assert_eq!(dist["shasum"], v110.shasum());
    let tarball = dir
        .path()
        .join("npm")
        .join(dist["tarball"].as_str().unwrap());
    assert_eq!(
        fs::read(tarball).unwrap(),
        fs::read(v110.tarball()).unwrap()
    );
}

#[test]
fn a_files_list_restricts_the_tarball() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write_tree(
        &src,
        &[
            (
                "package.json",
                r#"{"name": "x", "version": "0.0.0", "files": ["dist/", "./types/index.d.ts"]}"#,
            ),
            ("README.md", "readme\n"),
            ("LICENSE", "MIT\n"),
            ("dist/index.js", "1\n"),
            ("types/index.d.ts", "export {};\n"),
            ("types/other.d.ts", "export {};\n"),
            ("src/index.ts", "1\n"),
        ],
    );
    let pkg = NpmSource::new(&src, "console-core", "2.0.0")
        .unwrap()
        .pack(&dir.path().join("out"))
        .unwrap();
    assert_eq!(
        tar_gz_names(pkg.tarball()),
        [
            "package/LICENSE",
            "package/README.md",
            "package/dist/index.js",
            "package/package.json",
            "package/types/index.d.ts"
        ]
    );

    write_tree(&src, &[("package.json", r#"{"files": ["dist/*.js"]}"#)]);
    let err = NpmSource::new(&src, "console-core", "2.0.0")
        .unwrap()
        .pack(&dir.path().join("out"))
        .unwrap_err();
    assert!(matches!(err, PublishError::InvalidSource { .. }), "{err}");
    assert!(
        err.to_string().contains("glob patterns are not supported"),
        "{err}"
    );
}

/// What `npm pack` itself made, after [`PackageJson::set_version`]: read back with npm's own
/// integrity and shasum, and refused under another name or version.
#[test]
fn a_tarball_npm_packed_is_read_with_npms_own_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("pkg");
    let text = "{\n  \"name\": \"@flotilla/packed\",\n  \"version\": \"0.0.0\",\n  \
                \"files\": [\"lib\"]\n}\n";
    write_tree(
        &src,
        &[
            ("package.json", text),
            ("lib/a.js", "1;\n"),
            ("b.js", "2;\n"),
        ],
    );
    let mut json = PackageJson::load(&src).unwrap();
    json.set_version("1.2.0-rc.1").unwrap();
    json.save().unwrap();
    assert_eq!(
        fs::read_to_string(src.join("package.json")).unwrap(),
        text.replace("0.0.0", "1.2.0-rc.1")
    );

    let out = dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    let report = run(Command::new("npm")
        .current_dir(&src)
        .env("npm_config_cache", dir.path().join("cache"))
        .args(["pack", "--json", "--pack-destination"])
        .arg(&out));
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let tarball = out.join(report[0]["filename"].as_str().unwrap());

    let pkg = NpmPackage::read(&tarball, "@flotilla/packed", "1.2.0-rc.1").unwrap();
    assert_eq!(pkg.integrity(), report[0]["integrity"].as_str().unwrap());
    assert_eq!(pkg.shasum(), report[0]["shasum"].as_str().unwrap());
    assert_eq!(pkg.manifest()["files"][0], "lib");
    assert_eq!(
        tar_gz_names(&tarball),
        ["package/lib/a.js", "package/package.json"]
    );

    for (name, version) in [
        ("@flotilla/other", "1.2.0-rc.1"),
        ("@flotilla/packed", "1.2.0"),
    ] {
        let err = NpmPackage::read(&tarball, name, version).unwrap_err();
        assert!(matches!(err, PublishError::InvalidSource { .. }), "{err}");
    }
}

/// As a registry: the first version of a package, an rc, is `latest` too; the final takes
/// `latest` and removes the `rc` tag it supersedes, and a tag of a newer line stays.
#[test]
fn a_first_rc_is_latest_until_the_final_which_removes_the_superseded_rc_tag() {
    let dir = tempfile::tempdir().unwrap();
    let target = NpmDirTarget::new(dir.path().join("npm"));
    let rc = pack(&dir.path().join("a"), "1.0.0-rc.1", "a\n");
    target.publish(&rc, "rc").unwrap();
    let tags = target.dist_tags(NAME).unwrap();
    assert_eq!(
        (tags["latest"].as_str(), tags["rc"].as_str()),
        ("1.0.0-rc.1", "1.0.0-rc.1")
    );
    let dev = pack(&dir.path().join("b"), "1.1.0-dev.3", "b\n");
    target.publish(&dev, "dev").unwrap();
    let v100 = pack(&dir.path().join("c"), "1.0.0", "c\n");
    target.publish(&v100, "latest").unwrap();
    let tags = target.dist_tags(NAME).unwrap();
    assert_eq!(
        tags.into_iter().collect::<Vec<_>>(),
        [
            ("dev".to_owned(), "1.1.0-dev.3".to_owned()),
            ("latest".to_owned(), "1.0.0".to_owned())
        ]
    );
}
