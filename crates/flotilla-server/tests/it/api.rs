//! The JSON API: its token, events by status, and deployment approvals.

use flotilla_store::{DeploymentStatus, NewDeployment};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{API_TOKEN, GIT, REGISTRY_TOKEN, TestServer, hook_body, tiny_fleet};

fn deployment(version: &str, environment: &str, needs_approval: bool) -> NewDeployment {
    NewDeployment {
        service: "identity".into(),
        environment: environment.into(),
        version: version.into(),
        image: "spaceone/identity".into(),
        digest: "sha256:aa".into(),
        trigger: "test".into(),
        requested_by: "flotilla".into(),
        needs_approval,
        expires_at: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_needs_its_own_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let url = format!("{}/api/v1/trains", server.url);
    let none = server.http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    for token in [
        REGISTRY_TOKEN,
        "api-token-012345678",
        "api-token-0123456789x",
    ] {
        let wrong = server
            .http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401, "{token}");
    }
    let right = server
        .http
        .get(&url)
        .bearer_auth(API_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert_eq!(right.json::<Value>().await.unwrap(), json!([]));
    let missing = server
        .api(Method::GET, "/trains/01ARZ3NDEKTSV4RRFFQ69G5FAV")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let bad_id = server
        .api(Method::GET, "/runs/nope/steps")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_id.status(), 400);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn events_are_listed_by_status() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    server
        .deliver(&hook_body("d-1", "refs/heads/feature"))
        .await;
    server.wait_handled(1).await;
    let ignored: Value = server
        .api(Method::GET, "/events?status=ignored")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ignored.as_array().unwrap().len(), 1);
    assert_eq!(ignored[0]["delivery_id"], "d-1:0");
    let received: Value = server
        .api(Method::GET, "/events")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(received, json!([]));
    let bad = server
        .api(Method::GET, "/events?status=done")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_deployment_is_decided_once_and_unknown_ones_are_404() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let first = server
        .store
        .create_deployment(&deployment("1.2.0", "prd", true))
        .await
        .unwrap();
    let second = server
        .store
        .create_deployment(&deployment("1.2.1", "stg", true))
        .await
        .unwrap();

    let pending: Value = server
        .api(Method::GET, "/deployments/pending")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pending.as_array().unwrap().len(), 2);
    assert_eq!(pending[0]["id"], first.id.as_str());

    // The decider is the principal, never a name from the body.
    let named = server
        .api(Method::POST, &format!("/deployments/{}/reject", first.id))
        .json(&json!({ "by": "alice" }))
        .send()
        .await
        .unwrap();
    assert_eq!(named.status(), 400);
    let rejected = server
        .api(Method::POST, &format!("/deployments/{}/reject", first.id))
        .send()
        .await
        .unwrap();
    assert_eq!(rejected.status(), 200);
    let rejected: Value = rejected.json().await.unwrap();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["decided_by"], "api-token");
    for action in ["approve", "reject"] {
        let again = server
            .api(Method::POST, &format!("/deployments/{}/{action}", first.id))
            .send()
            .await
            .unwrap();
        assert_eq!(
            again.status(),
            409,
            "a decided deployment cannot be decided again"
        );
    }

    // A unique prefix of the id is enough; the server's API token decides as "api-token".
    // Ids made in the same millisecond share all but their last characters: the prefix
    // reaches the first character that tells them apart.
    let differs = first
        .id
        .as_str()
        .bytes()
        .zip(second.id.as_str().bytes())
        .position(|(a, b)| a != b)
        .unwrap();
    let prefix = &second.id.as_str()[..=differs.max(13)];
    let by_prefix: Value = server
        .api(Method::POST, &format!("/deployments/{prefix}/reject"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_prefix["decided_by"], "api-token");
    assert_eq!(
        server
            .store
            .deployment(second.id.as_str())
            .await
            .unwrap()
            .status,
        DeploymentStatus::Rejected
    );

    let unknown = server
        .api(
            Method::POST,
            "/deployments/01ARZ3NDEKTSV4RRFFQ69G5FAV/approve",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let bad_body = server
        .api(Method::POST, &format!("/deployments/{}/approve", second.id))
        .body("{\"who\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_body.status(), 400);
    let history: Value = server
        .api(Method::GET, "/deployments?service=identity&env=prd")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["version"], "1.2.0");
    let shown: Value = server
        .api(Method::GET, &format!("/deployments/{}", first.id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["status"], "rejected");
    server.stop().await;
}

const VALUES: &str = "# production values\nidentity:\n  image:\n    version: 1.0.0  # set by flotilla\n  replicas: 3\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_final_image_waits_for_approval_and_the_api_approval_deploys_it() {
    let dir = tempfile::tempdir().unwrap();
    let deploy = dir.path().join("deploy.git");
    GIT.output(
        dir.path(),
        &[
            "init",
            "--quiet",
            "--bare",
            "--initial-branch=master",
            "deploy.git",
        ],
    );
    GIT.output(dir.path(), &["clone", "--quiet", "deploy.git", "seed"]);
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(seed.join("values")).unwrap();
    std::fs::write(seed.join("values/prd.yaml"), VALUES).unwrap();
    GIT.output(&seed, &["add", "."]);
    GIT.output(&seed, &["commit", "--quiet", "-m", "prd values"]);
    GIT.output(
        &seed,
        &["push", "--quiet", "origin", "HEAD:refs/heads/master"],
    );
    let manifest = dir.path().join("flotilla.yaml");
    std::fs::write(
        &manifest,
        format!(
            "settings:\n  image_namespace: spaceone\nrepositories:\n  - name: identity\n    remote: remotes/identity.git\n    category: backend\n    image:\n      context: image\nenvironments:\n  - name: prd\n    channels: [final]\n    approval: true\n    deploy:\n      kind: gitops\n      remote: {}\n      file: values/prd.yaml\n",
            deploy.display()
        ),
    )
    .unwrap();
    let server = TestServer::start(&manifest).await;
    let envelope = r#"{"events":[{"id":"m-1","action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","repository":"spaceone/identity","tag":"1.1.0","digest":"sha256:abcd"}}]}"#;
    assert_eq!(
        server
            .post_registry(envelope, Some(REGISTRY_TOKEN))
            .await
            .status(),
        200
    );
    server.wait_handled(1).await;

    let pending: Value = server
        .api(Method::GET, "/deployments/pending")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pending = pending.as_array().unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0]["environment"], "prd");
    assert_eq!(pending[0]["version"], "1.1.0");
    let before = GIT.output(&deploy, &["rev-parse", "master"]).stdout;

    let id = pending[0]["id"].as_str().unwrap();
    let approved = server
        .api(Method::POST, &format!("/deployments/{id}/approve"))
        .send()
        .await
        .unwrap();
    let status = approved.status();
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "succeeded", "{approved}");
    assert_eq!(approved["decided_by"], "api-token");
    let after = GIT.output(&deploy, &["rev-parse", "master"]).stdout;
    assert_ne!(before, after, "no deploy commit");
    let values = GIT
        .output(&deploy, &["show", "master:values/prd.yaml"])
        .stdout;
    assert_eq!(
        String::from_utf8(values).unwrap(),
        VALUES.replace("version: 1.0.0", "version: 1.1.0")
    );
    let matrix: Value = server
        .api(Method::GET, "/deployments")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(matrix[0]["version"], "1.1.0");
    server.stop().await;
}
