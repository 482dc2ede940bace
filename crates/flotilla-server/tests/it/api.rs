//! The JSON API: its token, events by status, and deployment approvals.

use flotilla_store::{DeploymentStatus, NewDeployment, Store};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{API_TOKEN, REGISTRY_TOKEN, TestServer, hook_body, tiny_fleet};

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
async fn a_pending_deployment_is_approved_once_and_unknown_ones_are_404() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let prd = server
        .store
        .create_deployment(&deployment("1.2.0", "prd", true))
        .await
        .unwrap();
    let other = server
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
    assert_eq!(pending[0]["id"], prd.id.as_str());

    let approved = server
        .api(Method::POST, &format!("/deployments/{}/approve", prd.id))
        .json(&json!({ "by": "alice" }))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 200);
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decided_by"], "alice");
    let again = server
        .api(Method::POST, &format!("/deployments/{}/reject", prd.id))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        409,
        "a decided deployment cannot be decided again"
    );

    let rejected: Value = server
        .api(
            Method::POST,
            &format!("/deployments/{}/reject", &other.id.as_str()[..14]),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["decided_by"], "api");
    assert_eq!(
        server
            .store
            .deployment(other.id.as_str())
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
        .api(Method::GET, &format!("/deployments/{}", prd.id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["status"], "approved");
    let matrix = server
        .api(Method::GET, "/deployments")
        .send()
        .await
        .unwrap();
    assert_eq!(matrix.status(), 200);
    assert_eq!(
        matrix.json::<Value>().await.unwrap(),
        json!([]),
        "nothing succeeded yet"
    );
    server.stop().await;
}
