//! People and permissions against the real `flotilla serve`: tokens stored hashed, roles,
//! sign-in with a session cookie, CSRF on forms, approvals recorded under the signed-in
//! name, four-eyes, the audit log, and CD that deploys only digests a flotilla run published.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use crate::serve::harness::{
    API_TOKEN, REGISTRY_TOKEN, Server, envelope, fake_digest, set_secrets,
};
use crate::support::{self, Sandbox, create_token};
use flotilla_testkit::browser::fantoccini::Locator;
use flotilla_testkit::browser::{self, Browser};
use flotilla_testkit::{free_port, wait};

const VALUES: &str = "identity:\n  image:\n    version: 0.1.0  # set by flotilla\n";

/// identity publishes its image to the local registry; stg takes release candidates only if
/// a flotilla run published them; prd takes finals after an approval, under four eyes. The
/// local user (the CLI's actor) is alice.
fn fleet() -> Sandbox {
    let mut fleet = support::fleet()
        .setting("image_namespace: fleet")
        .section(
            "environments:
  - name: stg
    channels: [rc]
    require_provenance: true
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/stg.yaml}
  - name: prd
    channels: [final]
    approval: true
    four_eyes: true
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/prd.yaml}",
        )
        .repo("identity", "plugin")
        .build();
    fleet.create_remote(
        "deploy",
        [("values/stg.yaml", VALUES), ("values/prd.yaml", VALUES)],
        "Deploy values",
    );
    set_secrets(&mut fleet);
    fleet.set_env("USER", "alice");
    fleet
}

/// One HTTP exchange with its response headers (names lowercase).
struct Exchange {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Exchange {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {} {}", self.status, self.body))
    }
}

/// One request with curl, keeping the response headers; never follows redirects.
fn exchange(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Exchange {
    let mut command = Command::new("curl");
    command.args([
        "--silent",
        "--max-time",
        "60",
        "--request",
        method,
        "--dump-header",
        "-",
        "--output",
        "-",
    ]);
    for (name, value) in headers {
        command.arg("--header").arg(format!("{name}: {value}"));
    }
    if let Some(body) = body {
        command.arg("--data-raw").arg(body);
    }
    let output = command.arg(url).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer from {method} {url}: {text}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Exchange {
        status,
        headers,
        body: body.to_owned(),
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// The deployment `id` as the API shows it.
fn deployment(server: &Server, id: &str) -> Value {
    server.api(&format!("/deployments/{id}"))
}

/// The deployment `id` still waits and prd's values file is still `before`.
fn assert_still_pending(fleet: &Sandbox, server: &Server, id: &str, before: &str, why: &str) {
    assert_eq!(deployment(server, id)["status"], "pending", "{why}");
    assert_eq!(
        fleet.show("deploy", "master", "values/prd.yaml").unwrap(),
        before,
        "{why}"
    );
}

/// `action → actors` of the audit log as `flotilla audit --json` prints it.
fn audit_actions(fleet: &Sandbox) -> BTreeMap<String, Vec<String>> {
    let mut actions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in fleet
        .flotilla(&["audit", "--json"])
        .success()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .rev()
    {
        actions
            .entry(entry["action"].as_str().unwrap().to_owned())
            .or_default()
            .push(entry["actor"].as_str().unwrap().to_owned());
    }
    actions
}

#[test]
fn tokens_are_stored_hashed_listed_without_their_text_and_refused_once_revoked() {
    let fleet = fleet();
    let carol = create_token(&fleet, "carol", "viewer");
    let taken = fleet
        .flotilla(&["token", "create", "--name", "carol", "--role", "admin"])
        .failure();
    assert_eq!(taken.code, Some(2), "{taken}");
    assert!(taken.stderr.contains("already named carol"), "{taken}");

    let listed = fleet.flotilla(&["token", "list", "--json"]).success();
    assert!(!listed.stdout.contains(&carol), "{listed}");
    assert_eq!(listed.json()[0]["name"], "carol");
    assert_eq!(listed.json()[0]["role"], "viewer");
    // The state database (and its write-ahead log) holds the hash, never the text.
    let mut state = Vec::new();
    for entry in std::fs::read_dir(fleet.root().join(".flotilla")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("state.db")
        {
            state.extend(std::fs::read(&path).unwrap());
        }
    }
    assert!(!state.is_empty());
    let state = String::from_utf8_lossy(&state);
    assert!(
        !state.contains(&carol),
        "the token's text is in the database"
    );
    assert!(
        !state.contains(&carol[4..20]),
        "a part of the token is in the database"
    );
    assert!(
        state.contains("carol"),
        "the name is (the scan reads the database)"
    );

    let server = Server::start(&fleet, free_port());
    let url = server.url("/api/v1/deployments");
    let read = exchange("GET", &url, &[("Authorization", &bearer(&carol))], None);
    assert_eq!(read.status, 200, "{}", read.body);
    let wrong = exchange("GET", &url, &[("Authorization", &bearer("flt_nope"))], None);
    assert_eq!(wrong.status, 401);

    fleet.flotilla(&["token", "revoke", "carol"]).success();
    let revoked = exchange("GET", &url, &[("Authorization", &bearer(&carol))], None);
    assert_eq!(revoked.status, 401, "{}", revoked.body);
    let listed = fleet
        .flotilla(&["token", "list", "--json"])
        .success()
        .json();
    assert!(listed[0]["revoked_at"].is_string(), "{listed:#}");

    // Over the API, only an admin manages tokens; the token is in the creation's answer only.
    let tokens = server.url("/api/v1/tokens");
    let json = ("Content-Type", "application/json");
    let dave = create_token(&fleet, "dave", "approver");
    let body = r#"{"name": "erin", "role": "releaser"}"#;
    let refused = exchange(
        "POST",
        &tokens,
        &[("Authorization", &bearer(&dave)), json],
        Some(body),
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    let created = exchange(
        "POST",
        &tokens,
        &[("Authorization", &bearer(API_TOKEN)), json],
        Some(body),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let erin = created.json()["token"].as_str().unwrap().to_owned();
    let me = exchange(
        "GET",
        &server.url("/api/v1/session"),
        &[("Authorization", &bearer(&erin))],
        None,
    );
    assert_eq!(me.json()["name"], "erin");
    assert_eq!(me.json()["role"], "releaser");
    assert!(
        me.json()["csrf"].is_null(),
        "a bearer request needs no CSRF token"
    );
    let listed = exchange(
        "GET",
        &tokens,
        &[("Authorization", &bearer(API_TOKEN))],
        None,
    );
    assert!(
        listed.body.contains("erin") && !listed.body.contains(&erin),
        "{}",
        listed.body
    );
    let revoke = server.url("/api/v1/tokens/erin/revoke");
    let revoked = exchange(
        "POST",
        &revoke,
        &[("Authorization", &bearer(API_TOKEN))],
        None,
    );
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let after = exchange(
        "GET",
        &server.url("/api/v1/session"),
        &[("Authorization", &bearer(&erin))],
        None,
    );
    assert_eq!(after.status, 401);

    let audit = audit_actions(&fleet);
    assert_eq!(audit["token.create"], ["alice", "alice", "api-token"]);
    assert_eq!(audit["token.revoke"], ["alice", "api-token"]);
}

/// A train that alice started from the CLI published identity's 1.0.0 and asked for prd.
#[test]
fn people_decide_under_their_own_names_with_roles_csrf_and_four_eyes_and_everything_is_audited() {
    let fleet = fleet();
    let victor = create_token(&fleet, "victor", "viewer");
    let alice = create_token(&fleet, "alice", "approver");
    let bob = create_token(&fleet, "bob", "approver");
    let alice_started = fleet.flotilla(&["release", "start", "1.0.0"]).success();
    fleet.flotilla(&["release", "final", "1.0.0"]).success();
    // stg requires provenance: the rc the train published and recorded deployed.
    let stg = fleet
        .flotilla(&["deploy", "history", "identity", "--env", "stg", "--json"])
        .success()
        .json();
    assert_eq!(stg[0]["version"], "1.0.0rc1", "{stg:#}\n{alice_started}");
    assert_eq!(stg[0]["status"], "succeeded", "{stg:#}");
    let pending = fleet
        .flotilla(&["deploy", "pending", "--json"])
        .success()
        .json();
    let id = pending[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(pending[0]["version"], "1.0.0");
    let before = fleet.show("deploy", "master", "values/prd.yaml").unwrap();

    let server = Server::start(&fleet, free_port());
    let approve = server.url(&format!("/api/v1/deployments/{id}/approve"));
    let still_pending = |why: &str| assert_still_pending(&fleet, &server, &id, &before, why);

    // A viewer's forged approval.
    let forged = exchange(
        "POST",
        &approve,
        &[("Authorization", &bearer(&victor))],
        None,
    );
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(forged.json()["error"].as_str().unwrap().contains("viewer"));
    still_pending("a viewer approved");

    // Four eyes: alice started the train that made it.
    let own = exchange(
        "POST",
        &approve,
        &[("Authorization", &bearer(&alice))],
        None,
    );
    assert_eq!(own.status, 403, "{}", own.body);
    assert!(own.body.contains("four eyes"), "{}", own.body);
    still_pending("the train's starter approved");

    // Bob signs in; the page he came from is where he goes back to.
    let login = exchange(
        "POST",
        &server.url("/login"),
        &[FORM],
        Some(&format!("token={bob}&next=%2Fdeployments%3Fenv%3Dprd")),
    );
    assert_eq!(login.status, 303, "{}", login.body);
    assert_eq!(login.header("location"), Some("/deployments?env=prd"));
    let cookie = login.header("set-cookie").unwrap().to_owned();
    assert!(cookie.starts_with("flotilla_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let session = cookie.split(';').next().unwrap().to_owned();
    let me = exchange(
        "GET",
        &server.url("/api/v1/session"),
        &[("Cookie", &session)],
        None,
    )
    .json();
    assert_eq!(me["name"], "bob");
    assert_eq!(me["role"], "approver");
    let csrf = me["csrf"].as_str().unwrap().to_owned();

    // Forms of the session without, or with a wrong, CSRF token change nothing.
    for body in ["next=%2F".to_owned(), format!("csrf=x{csrf}&next=%2F")] {
        let refused = exchange("POST", &approve, &[FORM, ("Cookie", &session)], Some(&body));
        assert_eq!(refused.status, 403, "{body}: {}", refused.body);
        assert!(refused.body.contains("CSRF"), "{}", refused.body);
        still_pending(&body);
    }
    // A name in the body is refused, not recorded.
    let named = exchange(
        "POST",
        &approve,
        &[FORM, ("Cookie", &session)],
        Some(&format!("csrf={csrf}&by=mallory&next=%2F")),
    );
    assert_eq!(named.status, 400, "{}", named.body);
    still_pending("a form with by");
    // A redirect elsewhere is not followed.
    let approved = exchange(
        "POST",
        &approve,
        &[FORM, ("Cookie", &session)],
        Some(&format!("csrf={csrf}&next=%2F%2Fevil.example%2F")),
    );
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert_eq!(approved.header("location"), Some("/"));
    let done = deployment(&server, &id);
    assert_eq!(done["status"], "succeeded", "{done:#}");
    assert_eq!(done["decided_by"], "bob");
    let message = fleet.remote_git("deploy", &["log", "-1", "--format=%B", "master"]);
    assert!(message.contains("1.0.0"), "{message}");
    assert_eq!(
        fleet.show("deploy", "master", "values/prd.yaml").unwrap(),
        VALUES.replace("0.1.0", "1.0.0")
    );

    // Rolling back is deciding too; with nothing before 1.0.0 there is nothing to go back to.
    let rollback = server.url(&format!("/api/v1/deployments/{id}/rollback"));
    let viewer = exchange(
        "POST",
        &rollback,
        &[("Authorization", &bearer(&victor))],
        None,
    );
    assert_eq!(viewer.status, 403, "{}", viewer.body);
    let nothing = exchange("POST", &rollback, &[("Authorization", &bearer(&bob))], None);
    assert_eq!(nothing.status, 409, "{}", nothing.body);
    assert!(
        nothing.body.contains("no earlier successful deployment"),
        "{}",
        nothing.body
    );

    // Signing out takes the form's CSRF token, and ends the session.
    let out = exchange(
        "POST",
        &server.url("/logout"),
        &[FORM, ("Cookie", &session)],
        Some(&format!("csrf={csrf}")),
    );
    assert_eq!(out.status, 303, "{}", out.body);
    let gone = exchange(
        "GET",
        &server.url("/api/v1/session"),
        &[("Cookie", &session)],
        None,
    );
    assert_eq!(gone.status, 401);

    let audit = audit_actions(&fleet);
    assert_eq!(audit["token.create"], ["alice", "alice", "alice"]);
    assert_eq!(audit["deployment.approve.refused"], ["alice"]);
    assert_eq!(audit["session.sign-in"], ["bob"]);
    assert_eq!(audit["deployment.approve"], ["bob"]);
    let listed = server.api("/audit");
    assert_eq!(listed[0]["action"], "deployment.approve");
    assert_eq!(listed[0]["actor"], "bob");
    assert_eq!(listed[0]["target"], id.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_a_viewer_cannot_decide_and_an_approver_approves_production_by_a_click() {
    assert!(
        browser::available(),
        "chromium and chromedriver are needed: bash scripts/install-test-deps.sh"
    );
    let fleet = fleet();
    let victor = create_token(&fleet, "victor", "viewer");
    let bob = create_token(&fleet, "bob", "approver");
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    fleet.flotilla(&["release", "final", "1.0.0"]).success();
    let pending = fleet
        .flotilla(&["deploy", "pending", "--json"])
        .success()
        .json();
    let id = pending[0]["id"].as_str().unwrap().to_owned();
    let before = fleet.show("deploy", "master", "values/prd.yaml").unwrap();
    let head = fleet.remote_git("deploy", &["rev-parse", "master"]);
    let server = Server::start(&fleet, free_port());
    let still_pending = |why: &str| assert_still_pending(&fleet, &server, &id, &before, why);
    let approve = format!("/api/v1/deployments/{id}/approve");
    let page = server.url("/deployments?env=prd");
    let browser = Browser::start().await;
    let c = &browser.client;

    // A viewer sees the deployment waiting, and nothing to decide it with.
    browser.sign_in(&page, &victor).await;
    let row = c
        .find(Locator::Id(&format!("d-{id}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(row.contains("an approver decides"), "{row}");
    assert!(
        c.find_all(Locator::Css("button.approve, button.reject"))
            .await
            .unwrap()
            .is_empty()
    );
    browser.screenshot("deployments-viewer").await;
    browser.assert_accessible("deployments-viewer").await;
    // The form a viewer could forge, with the session's own CSRF token, is refused.
    let csrf = c
        .find(Locator::Css("form[action='/logout'] input[name=csrf]"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    let (status, body) = browser
        .fetch_form("POST", &approve, &format!("csrf={csrf}&next=%2F"))
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("viewer"), "{body}");
    still_pending("a viewer's forged form");
    browser.sign_out().await;

    // An approver: a form without the CSRF token is refused; the button approves.
    browser.sign_in(&page, &bob).await;
    let (status, body) = browser.fetch_form("POST", &approve, "next=%2F").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("CSRF"), "{body}");
    still_pending("a form without the CSRF token");
    let who = c.find(Locator::Css(".who strong")).await.unwrap();
    assert_eq!(who.text().await.unwrap(), "bob");
    let button = c
        .find(Locator::Css(&format!("#d-{id} button.approve")))
        .await
        .unwrap();
    assert_eq!(button.text().await.unwrap(), "Approve 1.0.0 for prd");
    browser.screenshot("deployments-pending").await;
    browser.assert_accessible("deployments-pending").await;
    button.click().await.unwrap();
    let done = wait::until("the approval to deploy", || {
        let d = deployment(&server, &id);
        (d["status"] != "pending" && d["status"] != "running").then_some(d)
    });
    assert_eq!(done["status"], "succeeded", "{done:#}");
    assert_eq!(done["decided_by"], "bob");

    // One commit in the deploy repository, changing one line.
    let log = fleet.remote_git(
        "deploy",
        &["log", "--format=%H %s", &format!("{}..master", head.trim())],
    );
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(log.contains("1.0.0"), "{log}");
    let changed = fleet.remote_git("deploy", &["diff", "--numstat", head.trim(), "master"]);
    assert_eq!(changed.trim(), "1\t1\tvalues/prd.yaml");
    assert_eq!(
        fleet.show("deploy", "master", "values/prd.yaml").unwrap(),
        VALUES.replace("0.1.0", "1.0.0")
    );
    // The browser is back on the page it approved from, with nothing waiting any more.
    wait::until_async("the page to show nothing waiting", || async {
        let here = c.current_url().await.ok()?;
        let text = c.find(Locator::Id("main")).await.ok()?.text().await.ok()?;
        (here.path() == "/deployments"
            && here.query() == Some("env=prd")
            && text.contains("Nothing is waiting."))
        .then_some(())
    })
    .await;
    browser.screenshot("deployments-approved").await;
    // The audit page, newest first: bob's approval, then the sign-ins.
    c.find(Locator::LinkText("Audit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let first = c
        .wait()
        .for_element(Locator::Css("#audit tbody tr"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        first.contains("bob deployment.approve") && first.contains(&id),
        "{first}"
    );
    browser.screenshot("audit").await;
    browser.assert_accessible("audit").await;
    browser.close().await;

    let audit = audit_actions(&fleet);
    assert_eq!(audit["deployment.approve"], ["bob"]);
    assert_eq!(audit["session.sign-in"], ["victor", "bob"]);
}

#[test]
fn a_page_asks_for_sign_in_and_only_local_paths_are_next() {
    let fleet = fleet();
    let server = Server::start(&fleet, free_port());
    let form = exchange("GET", &server.url("/login?next=%2Ftrains"), &[], None);
    assert_eq!(form.status, 200);
    for part in [
        "<label for=\"token\">",
        "id=\"token\" name=\"token\"",
        "name=\"next\" value=\"/trains\"",
        "method=\"post\" action=\"/login\"",
    ] {
        assert!(form.body.contains(part), "{part} missing:\n{}", form.body);
    }
    let elsewhere = exchange(
        "GET",
        &server.url("/login?next=https%3A%2F%2Fevil.example"),
        &[],
        None,
    );
    assert!(
        elsewhere.body.contains("name=\"next\" value=\"/\""),
        "{}",
        elsewhere.body
    );
    let wrong = exchange(
        "POST",
        &server.url("/login"),
        &[FORM],
        Some("token=flt_wrong&next=%2F"),
    );
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("role=\"alert\""), "{}", wrong.body);
    assert!(wrong.header("set-cookie").is_none());
    // The API's token is not a person: it signs no browser in.
    let api = exchange(
        "POST",
        &server.url("/login"),
        &[FORM],
        Some(&format!("token={API_TOKEN}")),
    );
    assert_eq!(api.status, 401);
}

#[test]
fn behind_tls_the_cookie_is_secure_and_a_trusted_proxy_names_its_users() {
    let fleet = fleet();
    let token = create_token(&fleet, "dana", "releaser");
    let server = Server::start_with(
        &fleet,
        free_port(),
        &[
            "--behind-tls",
            "--trusted-proxy-header",
            "X-Forwarded-User",
            "--proxy-user-role",
            "approver",
        ],
    );
    let login = exchange(
        "POST",
        &server.url("/login"),
        &[FORM],
        Some(&format!("token={token}")),
    );
    assert_eq!(login.status, 303);
    assert!(login.header("set-cookie").unwrap().ends_with("; Secure"));
    let me = exchange(
        "GET",
        &server.url("/api/v1/session"),
        &[("X-Forwarded-User", "erin")],
        None,
    );
    assert_eq!(me.status, 200, "{}", me.body);
    let me = me.json();
    assert_eq!(me["name"], "erin");
    assert_eq!(me["role"], "approver");
    // Such a user is a browser: its forms need the CSRF token too.
    let cancel = exchange(
        "POST",
        &server.url("/api/v1/trains/01ARZ3NDEKTSV4RRFFQ69G5FAV/cancel"),
        &[FORM, ("X-Forwarded-User", "erin")],
        Some("next=%2F"),
    );
    assert_eq!(cancel.status, 403, "{}", cancel.body);
}

#[test]
fn an_environment_that_requires_provenance_refuses_a_digest_no_run_published() {
    let fleet = fleet();
    let server = Server::start(&fleet, free_port());
    let seed = fleet.show("deploy", "master", "values/stg.yaml").unwrap();
    let digest = fake_digest('7');
    let delivery = envelope("unknown-1", "fleet/identity", "2.0.0rc1", &digest);
    assert_eq!(server.post_registry(&delivery, REGISTRY_TOKEN).status, 200);
    let event = server.wait_image_event("2.0.0rc1");
    assert_eq!(event["status"], "failed", "{event:#}");

    let history = fleet
        .flotilla(&["deploy", "history", "identity", "--env", "stg", "--json"])
        .success()
        .json();
    assert_eq!(history[0]["version"], "2.0.0rc1", "{history:#}");
    assert_eq!(history[0]["status"], "failed");
    let error = history[0]["error"].as_str().unwrap();
    assert!(
        error.starts_with("refused:")
            && error.contains("requires provenance")
            && error.contains(&digest),
        "{error}"
    );
    assert_eq!(history[0]["detail"]["refused"], "provenance");
    assert_eq!(
        fleet.show("deploy", "master", "values/stg.yaml").unwrap(),
        seed
    );
    let shown = server.api(&format!(
        "/deployments/{}",
        history[0]["id"].as_str().unwrap()
    ));
    assert_eq!(shown["error"], error);
    // The pages say it too: the history with its reason, the fleet's cell, the digest's trace.
    let read = |path: &str| {
        let reply = exchange(
            "GET",
            &server.url(path),
            &[("Authorization", &bearer(API_TOKEN))],
            None,
        );
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        reply.body
    };
    let page = read("/deployments?service=identity&env=stg");
    assert!(
        page.contains("<td>refused: ") && page.contains(&digest),
        "{page}"
    );
    let fleet_page = read("/");
    assert!(fleet_page.contains("then 2.0.0rc1 failed"), "{fleet_page}");
    let trace = read(&format!("/trace?digest={digest}"));
    assert!(trace.contains("not published by flotilla"), "{trace}");
}

/// A train whose repository `a` fails its build until the test creates a file.
fn broken_fleet() -> Sandbox {
    let mut fleet = support::fleet()
        .category("svc")
        .repo("a", "svc")
        .file(
            "scripts/build.sh",
            &support::fails_until_file_exists("FLOTILLA_E2E_FIX"),
        )
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .repo("b", "svc")
        .build();
    let fix = fleet.outside("fix");
    fleet.set_env("FLOTILLA_E2E_FIX", fix);
    set_secrets(&mut fleet);
    fleet.set_env("USER", "alice");
    fleet
}

#[test]
fn a_releaser_cancels_and_resumes_a_failed_train_and_a_viewer_may_not() {
    let fleet = broken_fleet();
    let victor = create_token(&fleet, "victor", "viewer");
    let rita = create_token(&fleet, "rita", "releaser");
    fleet.flotilla(&["release", "start", "1.0.0"]).failure();
    let server = Server::start(&fleet, free_port());
    let train = server.api("/trains")[0]["id"].as_str().unwrap().to_owned();
    let url = |action: &str| server.url(&format!("/api/v1/trains/{train}/{action}"));
    let status = || server.api(&format!("/trains/{train}"))["status"].clone();
    assert_eq!(status(), "failed");

    for action in ["cancel", "resume"] {
        let viewer = exchange(
            "POST",
            &url(action),
            &[("Authorization", &bearer(&victor))],
            None,
        );
        assert_eq!(viewer.status, 403, "{action}: {}", viewer.body);
    }
    assert_eq!(status(), "failed", "a viewer changed the train");
    let unknown = exchange(
        "POST",
        &url("retry"),
        &[
            ("Authorization", &bearer(&rita)),
            ("Content-Type", "application/json"),
        ],
        Some(r#"{"repo": "nope"}"#),
    );
    assert_eq!(unknown.status, 400, "{}", unknown.body);

    let cancelled = exchange(
        "POST",
        &url("cancel"),
        &[("Authorization", &bearer(&rita))],
        None,
    );
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.json()["status"], "cancelled");

    std::fs::write(fleet.outside("fix"), "fixed\n").unwrap();
    let retried = exchange(
        "POST",
        &url("retry"),
        &[
            ("Authorization", &bearer(&rita)),
            ("Content-Type", "application/json"),
        ],
        Some(r#"{"repo": "a"}"#),
    );
    assert_eq!(retried.status, 202, "{}", retried.body);
    flotilla_testkit::wait::until("the retried train to succeed", || {
        (status() == "succeeded").then_some(())
    });
    let again = exchange(
        "POST",
        &url("resume"),
        &[("Authorization", &bearer(&rita))],
        None,
    );
    assert_eq!(
        again.status, 409,
        "a succeeded train has nothing to resume: {}",
        again.body
    );

    let audit = audit_actions(&fleet);
    assert_eq!(audit["train.cancel"], ["rita"]);
    assert_eq!(audit["train.retry"], ["rita"]);
    assert!(!audit.contains_key("train.resume"), "{audit:?}");
}
