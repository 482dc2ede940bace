use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use flotilla_publish::oci::{ImageName, ImageSpec, ImageTarget, OciLayoutTarget, Tag};
use flotilla_publish::{ArtifactKind, Outcome, PublishError};
use serde_json::Value;

use crate::common::{run, touch_all, write_tree};

pub fn spec(root: &Path, greeting: &str) -> ImageSpec {
    write_tree(
        &root.join("base"),
        &[
            ("bin/run.sh", "#!/bin/sh\necho run\n"),
            ("etc/motd", "hello\n"),
        ],
    );
    // A layer big enough to span many gzip and hashing chunks.
    let big = (0..200_000).fold(String::new(), |mut text, i| {
        writeln!(text, "{i:x}").unwrap();
        text
    });
    write_tree(
        &root.join("app"),
        &[("app/main.py", greeting), ("app/data/big.txt", &big)],
    );
    ImageSpec {
        layers: vec![root.join("base"), root.join("app")],
        entrypoint: vec!["/bin/run.sh".to_owned()],
        cmd: vec!["--serve".to_owned()],
        env: BTreeMap::from([("APP_ENV".to_owned(), "dev".to_owned())]),
        labels: BTreeMap::from([(
            "org.opencontainers.image.version".to_owned(),
            "1.2.3".to_owned(),
        )]),
        working_dir: Some("/app".to_owned()),
        source_date_epoch: 1_700_000_000,
        ..ImageSpec::default()
    }
}

fn skopeo_inspect(layout: &Path, tag: &str, config: bool) -> Value {
    let reference = format!("oci:{}:{tag}", layout.display());
    let mut command = Command::new("skopeo");
    command.arg("inspect");
    if config {
        command.arg("--config");
    }
    serde_json::from_str(&run(command.arg(reference))).unwrap()
}

#[test]
fn skopeo_reads_the_pushed_image_and_umoci_unpacks_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let image = spec(dir.path(), "print('hi')\n")
        .build(&dir.path().join("stage"))
        .unwrap();
    let target = OciLayoutTarget::new(dir.path().join("images"));
    let name = ImageName::new("spaceone/identity").unwrap();
    let published = target
        .push(
            &name,
            &image,
            &[Tag::new("1.2.3").unwrap(), Tag::mutable("latest").unwrap()],
        )
        .unwrap();
    assert_eq!(published.kind, ArtifactKind::Image);
    assert_eq!(published.version, "1.2.3");
    assert_eq!(published.digest, image.digest());
    assert_eq!(published.outcome, Outcome::Written);
    let layout = target.layout_dir(&name);
    assert_eq!(
        published.location,
        format!("oci:{}:1.2.3", layout.display())
    );

    let inspect = skopeo_inspect(&layout, "1.2.3", false);
    assert_eq!(inspect["Digest"], image.digest().to_string());
    assert_eq!(
        inspect["Labels"]["org.opencontainers.image.version"],
        "1.2.3"
    );
    assert_eq!(inspect["Architecture"], "amd64");
    assert_eq!(inspect["Os"], "linux");
    let layers: Vec<String> = image
        .layers()
        .iter()
        .map(|l| l.digest.to_string())
        .collect();
    assert_eq!(inspect["Layers"], serde_json::json!(layers));
    assert_eq!(
        skopeo_inspect(&layout, "latest", false)["Digest"],
        image.digest().to_string()
    );

    let config = skopeo_inspect(&layout, "1.2.3", true);
    assert_eq!(config["config"]["Env"], serde_json::json!(["APP_ENV=dev"]));
    assert_eq!(
        config["config"]["Entrypoint"],
        serde_json::json!(["/bin/run.sh"])
    );
    assert_eq!(config["config"]["Cmd"], serde_json::json!(["--serve"]));
    assert_eq!(config["config"]["WorkingDir"], "/app");
    let diff_ids: Vec<String> = image
        .layers()
        .iter()
        .map(|l| l.diff_id.to_string())
        .collect();
    assert_eq!(config["rootfs"]["diff_ids"], serde_json::json!(diff_ids));
    assert_eq!(config["created"], "2023-11-14T22:13:20Z");

    let bundle = dir.path().join("bundle");
    run(Command::new("umoci")
        .args(["unpack", "--rootless", "--image"])
        .arg(format!("{}:1.2.3", layout.display()))
        .arg(&bundle));
    let rootfs = bundle.join("rootfs");
    assert_eq!(
        fs::read_to_string(rootfs.join("app/main.py")).unwrap(),
        "print('hi')\n"
    );
    assert_eq!(
        fs::read_to_string(rootfs.join("etc/motd")).unwrap(),
        "hello\n"
    );
    let run_sh = fs::metadata(rootfs.join("bin/run.sh")).unwrap();
    assert_eq!(run_sh.permissions().mode() & 0o777, 0o755);
    let motd = fs::metadata(rootfs.join("etc/motd")).unwrap();
    assert_eq!(motd.permissions().mode() & 0o777, 0o644);
    assert_eq!(
        fs::read(rootfs.join("app/data/big.txt")).unwrap(),
        fs::read(dir.path().join("app/app/data/big.txt")).unwrap()
    );

    // skopeo can also copy it out, blobs unchanged.
    let copied = dir.path().join("copied");
    run(Command::new("skopeo")
        .arg("copy")
        .arg(format!("oci:{}:latest", layout.display()))
        .arg(format!("dir:{}", copied.display())));
    for layer in image.layers() {
        assert_eq!(
            fs::read(copied.join(layer.digest.hex())).unwrap(),
            fs::read(&layer.path).unwrap()
        );
    }
}

#[test]
fn the_same_inputs_give_byte_identical_images() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let a = spec(one.path(), "x\n")
        .build(&one.path().join("stage"))
        .unwrap();
    let spec_two = spec(two.path(), "x\n");
    touch_all(two.path());
    let b = spec_two.build(&two.path().join("stage")).unwrap();
    assert_eq!(a.digest(), b.digest());
    assert_eq!(a.manifest(), b.manifest());
    assert_eq!(a.config(), b.config());
    for (la, lb) in a.layers().iter().zip(b.layers()) {
        assert_eq!(la.digest, lb.digest);
        assert_eq!(la.diff_id, lb.diff_id);
        assert_eq!(fs::read(&la.path).unwrap(), fs::read(&lb.path).unwrap());
    }
    let changed = spec(two.path(), "y\n")
        .build(&two.path().join("stage"))
        .unwrap();
    assert_ne!(changed.digest(), a.digest());
    assert_eq!(changed.layers()[0].digest, a.layers()[0].digest);
}

#[test]
fn release_tags_never_move_and_mutable_tags_do() {
    let dir = tempfile::tempdir().unwrap();
    let first = spec(&dir.path().join("a"), "a\n")
        .build(&dir.path().join("stage-a"))
        .unwrap();
    let second = spec(&dir.path().join("b"), "b\n")
        .build(&dir.path().join("stage-b"))
        .unwrap();
    let target = OciLayoutTarget::new(dir.path().join("images"));
    let name = ImageName::new("identity").unwrap();
    let latest = Tag::mutable("latest").unwrap();
    let v1 = Tag::new("1.0.0").unwrap();

    assert_eq!(target.tags(&name).unwrap(), Vec::<String>::new());
    target
        .push(&name, &first, &[v1.clone(), latest.clone()])
        .unwrap();
    let again = target
        .push(&name, &first, &[v1.clone(), latest.clone()])
        .unwrap();
    assert_eq!(again.outcome, Outcome::Unchanged);

    let index = target.layout_dir(&name).join("index.json");
    let before = fs::read(&index).unwrap();
    let err = target
        .push(&name, &second, &[latest.clone(), v1.clone()])
        .unwrap_err();
    assert!(
        matches!(err, PublishError::TagConflict { ref tag, .. } if tag == "1.0.0"),
        "{err}"
    );
    assert!(err.to_string().contains("release tags never move"), "{err}");
    assert_eq!(
        fs::read(&index).unwrap(),
        before,
        "a refused push changed the index"
    );
    assert_eq!(
        target.digest(&name, "latest").unwrap(),
        Some(first.digest())
    );

    let moved = target
        .push(
            &name,
            &second,
            &[Tag::new("1.1.0").unwrap(), latest.clone()],
        )
        .unwrap();
    assert_eq!(moved.outcome, Outcome::Written);
    assert_eq!(target.tags(&name).unwrap(), ["1.0.0", "1.1.0", "latest"]);
    assert_eq!(target.digest(&name, "1.0.0").unwrap(), Some(first.digest()));
    assert_eq!(
        target.digest(&name, "latest").unwrap(),
        Some(second.digest())
    );
    assert_eq!(target.digest(&name, "2.0.0").unwrap(), None);
    let layout = target.layout_dir(&name);
    assert_eq!(
        skopeo_inspect(&layout, "latest", false)["Digest"],
        second.digest().to_string()
    );
    assert_eq!(
        skopeo_inspect(&layout, "1.0.0", false)["Digest"],
        first.digest().to_string()
    );

    assert!(matches!(
        target.push(&name, &second, &[]),
        Err(PublishError::NoTags { .. })
    ));
    let leftovers: Vec<_> = fs::read_dir(&layout)
        .unwrap()
        .chain(fs::read_dir(layout.join("blobs/sha256")).unwrap())
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| Path::new(n).extension().is_some_and(|e| e == "tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn a_layer_changed_after_the_build_is_not_pushed() {
    let dir = tempfile::tempdir().unwrap();
    let image = spec(dir.path(), "a\n")
        .build(&dir.path().join("stage"))
        .unwrap();
    fs::write(&image.layers()[1].path, b"tampered").unwrap();
    let target = OciLayoutTarget::new(dir.path().join("images"));
    let name = ImageName::new("identity").unwrap();
    let err = target
        .push(&name, &image, &[Tag::new("1.0.0").unwrap()])
        .unwrap_err();
    assert!(
        matches!(err, PublishError::ChangedSinceBuild { .. }),
        "{err}"
    );
    assert_eq!(target.tags(&name).unwrap(), Vec::<String>::new());
}

#[test]
fn concurrent_pushes_to_one_image_lose_no_tag() {
    let dir = tempfile::tempdir().unwrap();
    let image = spec(dir.path(), "a\n")
        .build(&dir.path().join("stage"))
        .unwrap();
    let target = OciLayoutTarget::new(dir.path().join("images"));
    let name = ImageName::new("identity").unwrap();
    std::thread::scope(|scope| {
        for n in 0..4 {
            let (target, name, image) = (&target, &name, &image);
            scope.spawn(move || {
                let tag = Tag::new(&format!("1.0.{n}")).unwrap();
                target.push(name, image, &[tag]).unwrap();
            });
        }
    });
    assert_eq!(
        target.tags(&name).unwrap(),
        ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
    );
}
