use flotilla_core::deploy::DeploymentTrigger;

#[test]
fn every_trigger_flotilla_writes_reads_back_as_itself() {
    for (text, trigger) in [
        (
            "published by train 01HTRAIN",
            DeploymentTrigger::Published {
                train: "01HTRAIN".to_owned(),
            },
        ),
        (
            "registry event 01HEVENT",
            DeploymentTrigger::Event {
                source: "registry".to_owned(),
                event: "01HEVENT".to_owned(),
            },
        ),
        ("registry poll", DeploymentTrigger::RegistryPoll),
        (
            "manual by alice",
            DeploymentTrigger::Manual {
                by: "alice".to_owned(),
            },
        ),
        (
            "rollback by bob",
            DeploymentTrigger::Rollback {
                by: "bob".to_owned(),
            },
        ),
        (
            "imported from the old system",
            DeploymentTrigger::Other("imported from the old system".to_owned()),
        ),
    ] {
        assert_eq!(DeploymentTrigger::parse(text), trigger, "{text}");
        assert_eq!(trigger.to_string(), text);
    }
}

#[test]
fn only_a_rollback_is_a_rollback() {
    assert!(DeploymentTrigger::parse("rollback by alice").is_rollback());
    // A user named "rollback" deploying by hand is not rolling back.
    assert!(!DeploymentTrigger::parse("manual by rollback").is_rollback());
    assert!(!DeploymentTrigger::parse("registry event rollback").is_rollback());
    assert!(!DeploymentTrigger::parse("published by train 1").is_rollback());
}
