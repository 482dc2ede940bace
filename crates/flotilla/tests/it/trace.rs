//! `flotilla trace`: the chain from what runs back to the commit, checked against git and
//! `release list`, on the demo's fleet (which has deployments in every environment).

use crate::support::sandbox;

#[test]
fn trace_follows_a_deployment_to_the_tag_commit_and_the_train() {
    let sandbox = sandbox();
    let dir = sandbox.root().display().to_string();
    sandbox.flotilla(&["demo", &dir]).success();

    let status = sandbox
        .flotilla(&["deploy", "status", "--json"])
        .success()
        .json();
    let current = status
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["service"] == "identity" && d["environment"] == "stg")
        .unwrap()
        .clone();
    let version = current["version"].as_str().unwrap().to_owned();

    let trace = sandbox
        .flotilla(&["trace", "identity", "--env", "stg", "--json"])
        .success()
        .json();
    assert_eq!(trace["published"], true);
    assert_eq!(trace["deployment"]["id"], current["id"]);
    assert_eq!(trace["digest"], current["digest"]);
    let origin = &trace["origin"];
    assert_eq!(origin["repo"], "identity");
    assert_eq!(origin["version"].as_str(), Some(version.as_str()));
    let tag = format!("v{version}");
    assert_eq!(origin["tag"].as_str(), Some(tag.as_str()));
    assert_eq!(
        origin["commit"].as_str(),
        Some(sandbox.rev("identity", &tag).as_str()),
        "the chain's commit is git's tag commit"
    );
    let trains = sandbox
        .flotilla(&["release", "list", "--json"])
        .success()
        .json();
    let train = trains
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == origin["train"]["id"])
        .expect("the train of the chain is in `release list`");
    assert_eq!(train["version"].as_str(), Some(version.as_str()));
    assert!(
        trace["approvals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["environment"] == "stg" && a["deployment_id"] == current["id"]),
        "{trace:#}"
    );

    // Production took the final after an approval: the approval is on the chain.
    let prd = sandbox
        .flotilla(&["trace", "identity", "--env", "prd", "--json"])
        .success()
        .json();
    assert!(
        prd["approvals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["environment"] == "prd" && a["decided_by"] == "demo"),
        "{prd:#}"
    );

    // The same chain asked by digest, in text.
    let digest = current["digest"].as_str().unwrap();
    let text = sandbox.flotilla(&["trace", digest]).success().stdout;
    assert!(text.contains(&sandbox.rev("identity", &tag)), "{text}");
    assert!(
        text.contains(origin["train"]["id"].as_str().unwrap()),
        "{text}"
    );
}

#[test]
fn an_unknown_digest_is_not_published_by_flotilla() {
    let sandbox = sandbox();
    let dir = sandbox.root().display().to_string();
    sandbox.flotilla(&["demo", &dir]).success();
    let digest = format!("sha256:{}", "ab".repeat(32));
    let trace = sandbox
        .flotilla(&["trace", &digest, "--json"])
        .success()
        .json();
    assert_eq!(trace["published"], false);
    assert!(trace["origin"].is_null());
    assert!(
        trace["note"]
            .as_str()
            .unwrap()
            .starts_with("not published by flotilla"),
        "{trace:#}"
    );
    let text = sandbox.flotilla(&["trace", &digest]).success().stdout;
    assert!(text.contains("not published by flotilla"), "{text}");

    let wrong = sandbox.flotilla(&["trace", "identity", "--env", "qa"]);
    assert_eq!(
        wrong.code,
        Some(2),
        "an unknown environment is the user's to fix"
    );
}
