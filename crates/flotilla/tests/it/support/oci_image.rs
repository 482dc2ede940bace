//! A small image written by hand as an OCI layout (one layer holding one file), for tests that
//! need a tag to exist in a registry without building anything.

use std::path::Path;
use std::process::Command;

use flotilla_testkit::run;

/// Writes an image whose one layer holds `content` into the OCI layout `layout` under `tag`,
/// and returns its manifest digest (`sha256:…`).
pub fn oci_image(layout: &Path, tag: &str, content: &str) -> String {
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("hello.txt"), content).unwrap();
    let tar = scratch.path().join("layer.tar");
    run(Command::new("tar")
        .arg("-cf")
        .arg(&tar)
        .arg("-C")
        .arg(scratch.path())
        .arg("hello.txt"));
    let diff_id = sha256(&std::fs::read(&tar).unwrap());
    run(Command::new("gzip").arg("-n").arg(&tar));
    let layer = std::fs::read(scratch.path().join("layer.tar.gz")).unwrap();
    let layer_digest = put(&blobs, &layer);
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    })
    .to_string();
    let config_digest = put(&blobs, config.as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": config.len(),
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": layer_digest,
            "size": layer.len(),
        }],
    })
    .to_string();
    let digest = put(&blobs, manifest.as_bytes());
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest,
            "size": manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }],
    });
    std::fs::write(layout.join("index.json"), index.to_string()).unwrap();
    std::fs::write(
        layout.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    digest
}

fn put(blobs: &Path, bytes: &[u8]) -> String {
    let digest = sha256(bytes);
    std::fs::write(blobs.join(digest.trim_start_matches("sha256:")), bytes).unwrap();
    digest
}

fn sha256(bytes: &[u8]) -> String {
    let scratch = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(scratch.path(), bytes).unwrap();
    let out = run(Command::new("sha256sum").arg(scratch.path()));
    format!("sha256:{}", out.split_whitespace().next().unwrap())
}
