//! `deploy image` as a person types it: a malformed reference is refused (exit 2), and only a tag
//! the registry has is deployed, under the registry's digest (exit 1 otherwise); nothing is
//! recorded or committed when it is refused.

use std::process::Command;

use flotilla_testkit::{run, services};

use crate::support::{self, STG_GITOPS, STG_VALUES as VALUES, Sandbox};

/// A namespace no other test run uses in the shared registry.
fn namespace() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("deploy-image-{}-{nanos}", std::process::id())
}

fn nothing_recorded(fleet: &Sandbox) {
    let history = fleet
        .flotilla(&["deploy", "history", "identity", "--json"])
        .success()
        .json();
    assert_eq!(history, serde_json::json!([]), "nothing recorded");
    assert_eq!(
        fleet.show("deploy", "master", "values/stg.yaml").unwrap(),
        VALUES,
        "nothing committed"
    );
}

#[test]
fn deploy_image_deploys_only_what_the_registry_has_under_its_digest() {
    let Some(registry) = services::oci_registry() else {
        return;
    };
    let url = registry.url().to_owned();
    let host = url
        .split_once("://")
        .map_or(url.as_str(), |(_, h)| h)
        .to_owned();
    let ns = namespace();
    let fleet = support::fleet()
        .setting(&format!("image_namespace: {ns}"))
        .section(&format!(
            "registries:\n  images: {{kind: image, url: {url}, insecure: true}}\n"
        ))
        .section(STG_GITOPS)
        .repo("identity", "plugin")
        .build();
    fleet.create_remote("deploy", [("values/stg.yaml", VALUES)], "Deploy values");
    let layout = fleet.outside("layout");
    let digest = support::oci_image(&layout, "1.0.0", "identity 1.0.0\n");
    let image = format!("{ns}/identity");
    run(Command::new("skopeo").args([
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        &format!("oci:{}:1.0.0", layout.display()),
        &format!("docker://{host}/{image}:1.0.0"),
    ]));
    let other = format!("sha256:{}", "b".repeat(64));

    for args in [
        vec![":::".to_owned()],
        vec![format!("{image}:")],
        vec![
            format!("{image}:1.0.0"),
            "--digest".to_owned(),
            "not-a-digest".to_owned(),
        ],
        vec!["not/in-the-fleet:1.0.0".to_owned()],
    ] {
        let mut argv = vec!["deploy", "image"];
        argv.extend(args.iter().map(String::as_str));
        let out = fleet.flotilla(&argv);
        assert_eq!(out.code, Some(2), "{argv:?}: {out}");
    }
    nothing_recorded(&fleet);

    for args in [
        vec![format!("{image}:9.9.9")],
        vec![format!("{image}:1.0.0"), "--digest".to_owned(), other],
    ] {
        let mut argv = vec!["deploy", "image"];
        argv.extend(args.iter().map(String::as_str));
        let out = fleet.flotilla(&argv);
        assert_eq!(out.code, Some(1), "{argv:?}: {out}");
    }
    nothing_recorded(&fleet);

    fleet
        .flotilla(&["deploy", "image", &format!("{image}:1.0.0")])
        .success();
    let history = fleet
        .flotilla(&["deploy", "history", "identity", "--json"])
        .success()
        .json();
    assert_eq!(history[0]["status"], "succeeded", "{history}");
    assert_eq!(
        history[0]["digest"],
        digest.as_str(),
        "the registry's digest"
    );
    assert_eq!(
        fleet.show("deploy", "master", "values/stg.yaml").unwrap(),
        VALUES.replace("0.1.0", "1.0.0")
    );
}
