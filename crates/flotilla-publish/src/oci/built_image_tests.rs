//! `BuiltImage` read back from layouts that the spec and the layout target wrote: here, not in
//! `built_image.rs`, because those types are built on `BuiltImage`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::PublishError;
use crate::oci::{BuiltImage, ImageName, ImageSpec, ImageTarget, OciLayoutTarget, Tag};

/// An image of one file, pushed as `app` under `tags` to a layout in `root`; returns the
/// image and its layout directory.
fn layout_with(root: &Path, content: &str, tags: &[&str]) -> (BuiltImage, PathBuf) {
    let files = root.join(format!("files-{content}"));
    fs::create_dir_all(&files).unwrap();
    fs::write(files.join("hello.txt"), content).unwrap();
    let image = ImageSpec {
        layers: vec![files],
        labels: BTreeMap::from([("kind".to_owned(), "test".to_owned())]),
        ..ImageSpec::default()
    }
    .build(&root.join(format!("staging-{content}")))
    .unwrap();
    let target = OciLayoutTarget::new(root.join("layouts"));
    let name = ImageName::new("app").unwrap();
    let tags: Vec<Tag> = tags.iter().map(|t| Tag::new(t).unwrap()).collect();
    target.push(&name, &image, &tags).unwrap();
    (image, target.layout_dir(&name))
}

#[test]
fn reads_back_exactly_the_image_a_layout_holds() {
    let root = tempfile::tempdir().unwrap();
    let (built, layout) = layout_with(root.path(), "one", &["1.0.0", "1.0"]);
    let read = BuiltImage::from_layout(&layout).unwrap();
    assert_eq!(read.digest(), built.digest());
    assert_eq!(read.config_digest(), built.config_digest());
    assert_eq!(read.layers().len(), 1);
    assert_eq!(read.layers()[0].digest, built.layers()[0].digest);
    assert_eq!(read.layers()[0].diff_id, built.layers()[0].diff_id);
    assert_eq!(read.labels().get("kind").map(String::as_str), Some("test"));
}

#[test]
fn refuses_a_layer_that_does_not_match_its_digest() {
    let root = tempfile::tempdir().unwrap();
    let (built, layout) = layout_with(root.path(), "one", &["1.0.0"]);
    let layer = layout
        .join("blobs/sha256")
        .join(built.layers()[0].digest.hex());
    fs::write(&layer, b"tampered").unwrap();
    let err = BuiltImage::from_layout(&layout).unwrap_err();
    assert!(
        matches!(&err, PublishError::ChangedSinceBuild { path, .. } if *path == layer),
        "{err}"
    );
}

#[test]
fn refuses_a_layout_of_several_images_or_none() {
    let root = tempfile::tempdir().unwrap();
    layout_with(root.path(), "one", &["1.0.0"]);
    let (_, layout) = layout_with(root.path(), "two", &["2.0.0"]);
    let err = BuiltImage::from_layout(&layout).unwrap_err();
    assert!(err.to_string().contains("2 different images"), "{err}");

    let empty = root.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let err = BuiltImage::from_layout(&empty).unwrap_err();
    assert!(err.to_string().contains("no `index.json`"), "{err}");
}

#[test]
fn refuses_a_docker_manifest_it_could_not_push_as_oci() {
    let root = tempfile::tempdir().unwrap();
    let (built, _) = layout_with(root.path(), "one", &["1.0.0"]);
    let mut manifest: serde_json::Value = serde_json::from_slice(built.manifest()).unwrap();
    manifest["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json".into();
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let err = BuiltImage::from_manifest(bytes, built.blob_dir().to_owned()).unwrap_err();
    assert!(
        matches!(&err, PublishError::ForeignImage { problem, .. }
            if problem.contains("vnd.docker.distribution.manifest.v2+json")),
        "{err}"
    );
}
