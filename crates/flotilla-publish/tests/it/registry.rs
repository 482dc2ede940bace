//! The OCI registry target against a real docker-registry, checked with skopeo and curl.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use flotilla_publish::chart;
use flotilla_publish::http::{HttpClient, HttpPolicy, RetryPolicy};
use flotilla_publish::oci::{
    BuiltImage, Credentials, ImageName, ImageSpec, ImageTarget, RegistryImageTarget, Tag,
};
use flotilla_publish::{ArtifactKind, Digest, Outcome, PublishError};
use serde_json::Value;

use crate::common::{run, write_tree};
use crate::oci::spec;
use flotilla_testkit::services::{self, unique};
use flotilla_testkit::wait;

fn http(attempts: u32) -> HttpClient {
    HttpClient::new(HttpPolicy {
        retry: RetryPolicy::new(
            attempts,
            Duration::from_millis(50),
            Duration::from_millis(500),
        ),
        ..HttpPolicy::default()
    })
    .unwrap()
}

fn target(address: &str) -> RegistryImageTarget {
    // Small chunks, so that the test layer goes up in several PATCHes.
    RegistryImageTarget::new(address, true, Credentials::Anonymous, http(3))
        .unwrap()
        .with_chunk_size(64 * 1024)
}

fn skopeo_inspect(reference: &str) -> Value {
    serde_json::from_str(&run(Command::new("skopeo")
        .args(["inspect", "--tls-verify=false"])
        .arg(format!("docker://{reference}"))))
    .unwrap()
}

fn build(root: &Path, greeting: &str) -> BuiltImage {
    spec(root, greeting).build(&root.join("stage")).unwrap()
}

#[test]
fn pushes_an_image_that_skopeo_inspects_and_copies() {
    let Some(registry) = services::oci_registry() else {
        return;
    };
    let address = registry.host().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let image = build(dir.path(), "print('hi')\n");
    assert!(
        image.layers()[1].size > 3 * 64 * 1024,
        "the layer must need several chunks"
    );
    let target = target(&address);
    let name = ImageName::new(&format!("flotilla/{}", unique("app"))).unwrap();
    let tags = [Tag::new("1.2.3").unwrap(), Tag::mutable("latest").unwrap()];

    let published = target.push(&name, &image, &tags).unwrap();
    assert_eq!(published.kind, ArtifactKind::Image);
    assert_eq!(published.digest, image.digest());
    assert_eq!(published.outcome, Outcome::Written);
    assert_eq!(published.location, format!("{address}/{name}:1.2.3"));

    let inspect = skopeo_inspect(&published.location);
    assert_eq!(inspect["Digest"], image.digest().to_string());
    let layers: Vec<String> = image
        .layers()
        .iter()
        .map(|l| l.digest.to_string())
        .collect();
    assert_eq!(inspect["Layers"], serde_json::json!(layers));
    assert_eq!(
        skopeo_inspect(&format!("{address}/{name}:latest"))["Digest"],
        image.digest().to_string()
    );

    // skopeo copies it to an OCI layout with every blob intact.
    let layout = dir.path().join("copied");
    run(Command::new("skopeo")
        .args(["copy", "--src-tls-verify=false"])
        .arg(format!("docker://{}", published.location))
        .arg(format!("oci:{}:1.2.3", layout.display())));
    let copied: Value = serde_json::from_str(&run(Command::new("skopeo")
        .arg("inspect")
        .arg(format!("oci:{}:1.2.3", layout.display()))))
    .unwrap();
    assert_eq!(copied["Digest"], image.digest().to_string());
    for layer in image.layers() {
        assert_eq!(
            fs::read(layout.join("blobs/sha256").join(layer.digest.hex())).unwrap(),
            fs::read(&layer.path).unwrap()
        );
    }

    let again = target.push(&name, &image, &tags).unwrap();
    assert_eq!(again.outcome, Outcome::Unchanged);
    assert_eq!(target.tags(&name).unwrap(), ["1.2.3", "latest"]);
    assert_eq!(target.digest(&name, "1.2.3").unwrap(), Some(image.digest()));
    assert_eq!(target.digest(&name, "9.9.9").unwrap(), None);
    let never = ImageName::new(&unique("never")).unwrap();
    assert_eq!(target.tags(&never).unwrap(), Vec::<String>::new());
    assert_eq!(target.digest(&never, "1.0.0").unwrap(), None);
}

#[test]
fn release_tags_never_move_on_the_registry_and_mutable_ones_do() {
    let Some(registry) = services::oci_registry() else {
        return;
    };
    let target = target(registry.host());
    let dir = tempfile::tempdir().unwrap();
    let first = build(&dir.path().join("a"), "a\n");
    let second = build(&dir.path().join("b"), "b\n");
    let name = ImageName::new(&unique("tags")).unwrap();
    let latest = Tag::mutable("latest").unwrap();
    target
        .push(&name, &first, &[Tag::new("1.0.0").unwrap(), latest.clone()])
        .unwrap();

    let err = target
        .push(
            &name,
            &second,
            &[latest.clone(), Tag::new("1.0.0").unwrap()],
        )
        .unwrap_err();
    assert!(
        matches!(&err, PublishError::TagConflict { tag, existing, new, .. }
            if tag == "1.0.0" && *existing == first.digest() && *new == second.digest()),
        "{err}"
    );
    // Refused before anything moved.
    assert_eq!(
        target.digest(&name, "latest").unwrap(),
        Some(first.digest())
    );

    let moved = target
        .push(&name, &second, &[Tag::new("1.1.0").unwrap(), latest])
        .unwrap();
    assert_eq!(moved.outcome, Outcome::Written);
    assert_eq!(
        skopeo_inspect(&target.reference(&name, "latest"))["Digest"],
        second.digest().to_string()
    );
    assert_eq!(
        skopeo_inspect(&target.reference(&name, "1.0.0"))["Digest"],
        first.digest().to_string()
    );

    // Tag listing follows the registry's pages.
    let paged = RegistryImageTarget::new(registry.host(), true, Credentials::Anonymous, http(3))
        .unwrap()
        .with_tag_page_size(1);
    assert_eq!(paged.tags(&name).unwrap(), ["1.0.0", "1.1.0", "latest"]);
    let (tags, etag) = paged.tags_if_changed(&name, None).unwrap().unwrap();
    assert_eq!(tags, ["1.0.0", "1.1.0", "latest"]);
    assert_eq!(
        etag, None,
        "an ETag cannot describe a listing of several pages"
    );
}

#[test]
fn a_blob_known_in_another_repository_is_mounted_not_uploaded() {
    let Some(registry) = services::own_oci_registry(None) else {
        return;
    };
    let target = target(&registry.address());
    let dir = tempfile::tempdir().unwrap();
    let image = build(dir.path(), "shared\n");
    let first = ImageName::new("team/first").unwrap();
    let second = ImageName::new("team/second").unwrap();
    target
        .push(&first, &image, &[Tag::new("1.0.0").unwrap()])
        .unwrap();
    let published = target
        .push(&second, &image, &[Tag::new("1.0.0").unwrap()])
        .unwrap();
    assert_eq!(
        skopeo_inspect(&published.location)["Digest"],
        image.digest().to_string()
    );
    let log = registry.log();
    for layer in image.layers() {
        let mounted = log.lines().any(|line| {
            line.contains("/v2/team/second/blobs/uploads/")
                && line.contains(&format!("mount={}", layer.digest).replace(':', "%3A"))
                && line.contains("from=team%2Ffirst")
        });
        assert!(mounted, "{} was not mounted:\n{log}", layer.digest);
    }
    let patched_second = log
        .lines()
        .any(|line| line.contains("PATCH") && line.contains("/v2/team/second/"));
    assert!(!patched_second, "a layer was uploaded again:\n{log}");
}

#[test]
fn basic_auth_is_used_when_the_registry_asks_for_it() {
    // bcrypt of "flotilla-test-pw", cost 4.
    let line = "ci:$2b$04$grKzLbtkdrxjl1GpRVKNoefoQ5ywwQMa5o4xfYUhZP8q9BIM7svhy";
    let Some(registry) = services::own_oci_registry(Some(line)) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let image = build(dir.path(), "auth\n");
    let name = ImageName::new("private/app").unwrap();
    let tags = [Tag::new("1.0.0").unwrap()];

    let anonymous = target(&registry.address());
    let err = anonymous.push(&name, &image, &tags).unwrap_err();
    assert!(
        matches!(&err, PublishError::Refused { status: 401, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("credentials"), "{err}");

    // Credentials from a Docker config file, as `docker login` writes them.
    let config = dir.path().join("config.json");
    fs::write(
        &config,
        format!(
            r#"{{"auths":{{"http://{}":{{"auth":"Y2k6ZmxvdGlsbGEtdGVzdC1wdw=="}}}}}}"#,
            registry.address()
        ),
    )
    .unwrap();
    let credentials = Credentials::from_docker_config_file(&config, &registry.address()).unwrap();
    let authorised =
        RegistryImageTarget::new(&registry.address(), true, credentials, http(3)).unwrap();
    let published = authorised.push(&name, &image, &tags).unwrap();
    assert_eq!(published.outcome, Outcome::Written);
    let inspect: Value = serde_json::from_str(&run(Command::new("skopeo")
        .args([
            "inspect",
            "--tls-verify=false",
            "--creds",
            "ci:flotilla-test-pw",
        ])
        .arg(format!("docker://{}", published.location))))
    .unwrap();
    assert_eq!(inspect["Digest"], image.digest().to_string());

    let wrong = Credentials::Basic {
        username: "ci".to_owned(),
        password: "not-the-password".to_owned(),
    };
    let err = RegistryImageTarget::new(&registry.address(), true, wrong, http(3))
        .unwrap()
        .tags(&name)
        .unwrap_err();
    assert!(
        matches!(&err, PublishError::Refused { status: 401, .. }),
        "{err}"
    );
    assert!(!err.to_string().contains("not-the-password"), "{err}");
}

fn curl(args: &[&str]) -> Vec<u8> {
    let output = Command::new("curl")
        .args(["-fsS"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn a_chart_pushed_as_an_oci_artifact_comes_back_through_the_api() {
    let Some(registry) = services::oci_registry() else {
        return;
    };
    let address = registry.host().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let chart_dir = crate::chart::chart_dir(dir.path());
    // Each run gets its own chart name, as the registry may keep earlier runs' charts.
    let chart_name = unique("chart");
    let chart_yaml = fs::read_to_string(chart_dir.join("Chart.yaml"))
        .unwrap()
        .replace("name: identity", &format!("name: {chart_name}"));
    fs::write(chart_dir.join("Chart.yaml"), chart_yaml).unwrap();
    let packaged = chart::package(
        &chart_dir,
        "1.4.0+build.7",
        "1.4.0",
        &dir.path().join("out"),
    )
    .unwrap();
    let target = target(&address);

    let published = target.push_chart(Some("charts"), &packaged).unwrap();
    assert_eq!(published.kind, ArtifactKind::Chart);
    assert_eq!(published.name, format!("charts/{chart_name}"));
    assert_eq!(published.version, "1.4.0+build.7");
    assert_eq!(published.tags, ["1.4.0_build.7"]);
    assert_eq!(
        published.location,
        format!("oci://{address}/charts/{chart_name}:1.4.0_build.7")
    );
    assert_eq!(published.outcome, Outcome::Written);

    let base = format!("http://{address}/v2/charts/{chart_name}");
    let manifest_bytes = curl(&[
        "-H",
        "Accept: application/vnd.oci.image.manifest.v1+json",
        &format!("{base}/manifests/1.4.0_build.7"),
    ]);
    assert_eq!(Digest::of_bytes(&manifest_bytes), published.digest);
    let manifest: Value = serde_json::from_slice(&manifest_bytes).unwrap();
    assert_eq!(manifest["config"]["mediaType"], chart::CONFIG_MEDIA_TYPE);
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        chart::CONTENT_MEDIA_TYPE
    );
    assert_eq!(
        manifest["layers"][0]["digest"],
        packaged.digest().to_string()
    );
    let config: Value = serde_json::from_slice(&curl(&[&format!(
        "{base}/blobs/{}",
        manifest["config"]["digest"].as_str().unwrap()
    )]))
    .unwrap();
    assert_eq!(config["name"], chart_name);
    assert_eq!(config["version"], "1.4.0+build.7");

    let layer = dir.path().join("pulled.tgz");
    fs::write(
        &layer,
        curl(&[&format!("{base}/blobs/{}", packaged.digest())]),
    )
    .unwrap();
    let untarred = dir.path().join("untarred");
    fs::create_dir_all(&untarred).unwrap();
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&layer)
        .arg("-C")
        .arg(&untarred));
    let pulled_yaml = fs::read_to_string(untarred.join(&chart_name).join("Chart.yaml")).unwrap();
    let pulled: Value = serde_saphyr::from_str(&pulled_yaml).unwrap();
    assert_eq!(pulled["version"], "1.4.0+build.7");
    assert_eq!(pulled["appVersion"], "1.4.0");

    let again = target.push_chart(Some("charts"), &packaged).unwrap();
    assert_eq!(again.outcome, Outcome::Unchanged);
    assert_eq!(again.digest, published.digest);

    // Another package under the same chart version is refused.
    let changed = chart::package(
        &chart_dir,
        "1.4.0+build.7",
        "1.4.1",
        &dir.path().join("out2"),
    )
    .unwrap();
    let err = target.push_chart(Some("charts"), &changed).unwrap_err();
    assert!(matches!(err, PublishError::TagConflict { .. }), "{err}");
}

fn big_image(root: &Path) -> BuiltImage {
    // Incompressible content, so the pushed blob is as large as the file.
    let mut data = Vec::with_capacity(8 << 20);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while data.len() < 8 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    write_tree(&root.join("small"), &[("etc/release", "1\n")]);
    fs::create_dir_all(root.join("big")).unwrap();
    fs::write(root.join("big/blob.bin"), &data).unwrap();
    ImageSpec {
        layers: vec![root.join("small"), root.join("big")],
        source_date_epoch: 1_700_000_000,
        ..ImageSpec::default()
    }
    .build(&root.join("stage"))
    .unwrap()
}

#[test]
fn a_registry_that_goes_away_is_retried_then_reported_and_the_push_completes_later() {
    let Some(mut registry) = services::own_oci_registry(None) else {
        return;
    };
    let address = registry.address();
    let dir = tempfile::tempdir().unwrap();
    let image = big_image(dir.path());
    let name = ImageName::new("fault/app").unwrap();
    let tags = [Tag::new("2.0.0").unwrap()];

    // Down: a few attempts, then an error that says what failed and what to do.
    registry.stop();
    let impatient =
        RegistryImageTarget::new(&address, true, Credentials::Anonymous, http(3)).unwrap();
    let err = impatient.push(&name, &image, &tags).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, PublishError::Unavailable { attempts: 3, .. }),
        "{text}"
    );
    assert!(
        text.contains(&format!("http://{address}/v2/fault/app/")),
        "{text}"
    );
    assert!(text.contains("check that the registry is up"), "{text}");
    registry.restart();

    // Stopped in the middle of an upload: a patient push retries until it is back.
    let patient = RegistryImageTarget::new(&address, true, Credentials::Anonymous, http(40))
        .unwrap()
        .with_chunk_size(256 * 1024);
    let uploads = registry
        .dir()
        .join("data/docker/registry/v2/repositories/fault/app/_uploads");
    let published = std::thread::scope(|scope| {
        let push = scope.spawn(|| patient.push(&name, &image, &tags));
        wait::until_true("the upload to start", || {
            uploads.exists() || push.is_finished()
        });
        registry.stop();
        // Downtime, not a wait: the push must meet the registry gone for a while.
        std::thread::sleep(Duration::from_millis(300));
        registry.restart();
        push.join().unwrap()
    })
    .unwrap();
    assert_eq!(published.digest, image.digest());
    assert_eq!(
        skopeo_inspect(&published.location)["Digest"],
        image.digest().to_string()
    );
    let again = patient.push(&name, &image, &tags).unwrap();
    assert_eq!(again.outcome, Outcome::Unchanged);
}
