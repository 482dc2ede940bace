use std::collections::BTreeMap;

use flotilla_core::deploy::{
    Decision, DeployOptions, ImageIgnored, ImagePushed, ImageVersion, MatchedImage, SkipReason,
    classify_tag, decide, match_image,
};
use flotilla_core::fleet::Fleet;
use flotilla_core::manifest;

const MANIFEST: &str = r"
settings:
  image_namespace: spaceone
repositories:
  - name: identity
    remote: ../identity.git
    category: backend
  - name: python-core
    remote: ../python-core.git
    category: backend-core
environments:
  - name: dev
    dev_builds: true
    channels: [dev]
    deploy: {kind: gitops, remote: ../deploy.git, file: dev/values.yaml}
  - name: stg
    channels: [rc]
    deploy: {kind: gitops, remote: ../deploy.git, file: stg/values.yaml}
  - name: prd
    channels: [final, hotfix]
    approval: true
    deploy: {kind: helm, chart: oci://charts.example.com/spaceone/identity, namespace: prd}
";

fn fleet() -> Fleet {
    manifest::load("flotilla.yaml", MANIFEST).unwrap_or_else(|e| panic!("{e}"))
}

fn v(tag: &str) -> ImageVersion {
    classify_tag(tag).unwrap_or_else(|| panic!("{tag} is not a deployable tag"))
}

/// A pushed tag, what runs where, and the expected decision per environment.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], [&'a str; 3]);

/// Decisions for a tag given what runs where, as one line per environment.
fn plan(tag: &str, running: &[(&str, &str)], options: &DeployOptions) -> Vec<String> {
    let running: BTreeMap<String, ImageVersion> = running
        .iter()
        .map(|(env, tag)| ((*env).to_owned(), v(tag)))
        .collect();
    decide(&fleet().environments, &v(tag), &running, options)
        .iter()
        .map(|decision| match decision {
            Decision::Deploy {
                environment,
                version,
                needs_approval,
                rollback,
            } => format!(
                "{environment}: deploy {version}{}{}",
                if *needs_approval {
                    " after approval"
                } else {
                    ""
                },
                if *rollback { " (rollback)" } else { "" }
            ),
            Decision::Skip {
                environment,
                reason,
            } => format!("{environment}: skip, {reason}"),
        })
        .collect()
}

#[test]
fn each_channel_goes_to_the_environments_that_follow_it() {
    let none = DeployOptions::default();
    let table: [Case; 10] = [
        (
            "0.9.0.20261126.071233",
            &[],
            [
                "dev: deploy 0.9.0.20261126.071233",
                "stg: skip, the environment does not follow the dev build channel",
                "prd: skip, the environment does not follow the dev build channel",
            ],
        ),
        (
            "1.12.0dev2",
            &[("dev", "1.12.0dev1")],
            [
                "dev: deploy 1.12.0dev2",
                "stg: skip, the environment does not follow the dev channel",
                "prd: skip, the environment does not follow the dev channel",
            ],
        ),
        (
            "1.12.0rc1",
            &[("stg", "1.11.0rc3")],
            [
                "dev: skip, the environment does not follow the rc channel",
                "stg: deploy 1.12.0rc1",
                "prd: skip, the environment does not follow the rc channel",
            ],
        ),
        (
            "1.12.0rc10",
            &[("stg", "1.12.0rc9")],
            [
                "dev: skip, the environment does not follow the rc channel",
                "stg: deploy 1.12.0rc10",
                "prd: skip, the environment does not follow the rc channel",
            ],
        ),
        (
            "1.12.0rc9",
            &[("stg", "1.12.0rc10")],
            [
                "dev: skip, the environment does not follow the rc channel",
                "stg: skip, 1.12.0rc9 is older than 1.12.0rc10, which runs there; going back \
                 takes an explicit rollback",
                "prd: skip, the environment does not follow the rc channel",
            ],
        ),
        (
            "1.12.0",
            &[("prd", "1.11.0.2")],
            [
                "dev: skip, the environment does not follow the final channel",
                "stg: skip, the environment does not follow the final channel",
                "prd: deploy 1.12.0 after approval",
            ],
        ),
        (
            "1.12.0.1",
            &[("prd", "1.12.0")],
            [
                "dev: skip, the environment does not follow the hotfix channel",
                "stg: skip, the environment does not follow the hotfix channel",
                "prd: deploy 1.12.0.1 after approval",
            ],
        ),
        (
            // A hotfix of the old line does not replace the newer final.
            "1.11.0.3",
            &[("prd", "1.12.0")],
            [
                "dev: skip, the environment does not follow the hotfix channel",
                "stg: skip, the environment does not follow the hotfix channel",
                "prd: skip, 1.11.0.3 is older than 1.12.0, which runs there; going back takes \
                 an explicit rollback",
            ],
        ),
        (
            "1.12.0",
            &[("prd", "1.12.0")],
            [
                "dev: skip, the environment does not follow the final channel",
                "stg: skip, the environment does not follow the final channel",
                "prd: skip, 1.12.0 runs there already",
            ],
        ),
        (
            // An older master build (a delayed notification) does not replace a newer one.
            "0.9.0.20261126.071233",
            &[("dev", "0.9.0.20261126.080000")],
            [
                "dev: skip, 0.9.0.20261126.071233 is older than 0.9.0.20261126.080000, which \
                 runs there; going back takes an explicit rollback",
                "stg: skip, the environment does not follow the dev build channel",
                "prd: skip, the environment does not follow the dev build channel",
            ],
        ),
    ];
    for (tag, running, expected) in table {
        assert_eq!(
            plan(tag, running, &none),
            expected,
            "{tag} over {running:?}"
        );
    }
}

#[test]
fn force_allows_going_back_only_where_asked() {
    let mut options = DeployOptions::default();
    options.force.insert("prd".to_owned());
    assert_eq!(
        plan("1.11.0", &[("prd", "1.12.0")], &options)[2],
        "prd: deploy 1.11.0 after approval (rollback)"
    );
    // The same version is still not deployed again, forced or not.
    assert_eq!(
        plan("1.12.0", &[("prd", "1.12.0")], &options)[2],
        "prd: skip, 1.12.0 runs there already"
    );
    // Forcing prd leaves stg's order alone, and never overrides a channel.
    assert_eq!(
        plan("1.12.0rc1", &[("stg", "1.12.0rc2")], &options)[1],
        "stg: skip, 1.12.0rc1 is older than 1.12.0rc2, which runs there; going back takes an \
         explicit rollback"
    );
    options.force.insert("stg".to_owned());
    assert_eq!(
        plan("1.12.0rc1", &[("stg", "1.12.0rc2")], &options)[1],
        "stg: deploy 1.12.0rc1 (rollback)"
    );
    assert_eq!(
        plan("1.12.0rc1", &[("prd", "1.12.0")], &options)[2],
        "prd: skip, the environment does not follow the rc channel"
    );
}

#[test]
fn decisions_serialize_for_the_api() {
    let running = BTreeMap::from([("prd".to_owned(), v("1.12.0"))]);
    let decisions = decide(
        &fleet().environments,
        &v("1.11.0.1"),
        &running,
        &DeployOptions::default(),
    );
    assert_eq!(decisions[2].environment(), "prd");
    assert_eq!(
        serde_json::to_value(&decisions[2]).unwrap(),
        serde_json::json!({
            "action": "skip",
            "environment": "prd",
            "reason": {"kind": "older", "version": "1.11.0.1", "running": "1.12.0"}
        })
    );
    let SkipReason::ChannelNotFollowed { channel } = (match &decisions[0] {
        Decision::Skip { reason, .. } => reason.clone(),
        Decision::Deploy { .. } => panic!("dev does not follow hotfixes"),
    }) else {
        panic!("expected a channel skip");
    };
    assert_eq!(channel, "hotfix");
}

fn pushed(image: &str, tag: &str) -> ImagePushed {
    ImagePushed {
        image: image.to_owned(),
        tag: tag.to_owned(),
        digest: "sha256:0123".to_owned(),
    }
}

#[test]
fn images_map_to_repositories_by_namespace() {
    let fleet = fleet();
    assert_eq!(
        match_image(&fleet, &pushed("spaceone/identity", "1.12.0rc1")),
        Ok(MatchedImage {
            service: "identity".to_owned(),
            version: v("1.12.0rc1"),
        })
    );
    assert_eq!(
        match_image(
            &fleet,
            &pushed("spaceone-dev/identity", "0.9.0.20261126.071233")
        ),
        Ok(MatchedImage {
            service: "identity".to_owned(),
            version: v("0.9.0.20261126.071233"),
        })
    );
    let ignored = |image, tag| match_image(&fleet, &pushed(image, tag)).unwrap_err();
    assert!(matches!(
        ignored("spaceone-dev/identity", "latest"),
        ImageIgnored::NotAVersion { .. }
    ));
    assert_eq!(
        ignored("spaceone-dev/identity", "1.12.0").to_string(),
        "spaceone-dev/identity:1.12.0 is a release in the dev namespace of identity, where \
         flotilla publishes only master builds; ignoring it"
    );
    assert_eq!(
        ignored("spaceone/identity", "0.9.0.20261126.071233").to_string(),
        "spaceone/identity:0.9.0.20261126.071233 is a master build in the release namespace of \
         identity, where flotilla publishes only releases; ignoring it"
    );
    // python-core publishes no image; other images are not the fleet's.
    assert!(matches!(
        ignored("spaceone/python-core", "1.0.0"),
        ImageIgnored::UnknownImage { .. }
    ));
    assert!(matches!(
        ignored("library/nginx", "1.27.0"),
        ImageIgnored::UnknownImage { .. }
    ));
    // Two repositories publishing one image: which one deploys is not guessed.
    let mut shared = fleet.clone();
    let mut copy = shared.repo("identity").unwrap().clone();
    copy.name = "identity-v2".to_owned();
    shared.repos.push(copy);
    assert_eq!(
        match_image(&shared, &pushed("spaceone/identity", "1.0.0"))
            .unwrap_err()
            .to_string(),
        "spaceone/identity is the image of several repositories (identity, identity-v2); give \
         each repository its own image name in the manifest"
    );
}
