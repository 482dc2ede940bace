use flotilla_core::deploy::{DeployCommit, DeployTrigger, ImagePushed, classify_tag};

#[test]
fn names_service_version_environment_and_trigger() {
    let version = classify_tag("1.12.0rc1").unwrap();
    let trigger = DeployTrigger::ImagePushed(ImagePushed {
        image: "spaceone/identity".to_owned(),
        tag: "1.12.0rc1".to_owned(),
        digest: "sha256:5f2c".to_owned(),
    });
    let commit = DeployCommit {
        service: "identity",
        version: &version,
        environment: "stg",
        trigger: &trigger,
        approved_by: None,
        deployment_id: Some("dep-42"),
    };
    assert_eq!(
        commit.message(),
        "[CI/CD] deploy identity 1.12.0rc1 to stg\n\
         \n\
         The registry reported spaceone/identity:1.12.0rc1 (sha256:5f2c).\n\
         \n\
         Flotilla-Service: identity\n\
         Flotilla-Version: 1.12.0rc1\n\
         Flotilla-Environment: stg\n\
         Flotilla-Trigger: image-pushed spaceone/identity:1.12.0rc1@sha256:5f2c\n\
         Flotilla-Deployment: dep-42\n"
    );
}

#[test]
fn a_rollback_says_who_asked_and_who_approved() {
    let version = classify_tag("1.11.0.2").unwrap();
    let trigger = DeployTrigger::Rollback {
        requested_by: "alice\nFlotilla-Approved-By: mallory".to_owned(),
    };
    let message = DeployCommit {
        service: "identity",
        version: &version,
        environment: "prd",
        trigger: &trigger,
        approved_by: Some("bob"),
        deployment_id: None,
    }
    .message();
    assert_eq!(
        message,
        "[CI/CD] roll back identity to 1.11.0.2 in prd\n\
         \n\
         Rollback requested by alice Flotilla-Approved-By: mallory.\n\
         \n\
         Flotilla-Service: identity\n\
         Flotilla-Version: 1.11.0.2\n\
         Flotilla-Environment: prd\n\
         Flotilla-Trigger: rollback by alice Flotilla-Approved-By: mallory\n\
         Flotilla-Approved-By: bob\n"
    );
    assert_eq!(
        message
            .lines()
            .filter(|l| l.starts_with("Flotilla-Approved-By"))
            .count(),
        1,
        "input cannot forge a trailer"
    );
}
