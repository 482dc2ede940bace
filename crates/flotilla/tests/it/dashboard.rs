//! The dashboard at `/` of `flotilla serve`: every page over HTTP with the API token (and
//! refused without), escaping, and in a real browser (headless Chromium through chromedriver):
//! the fleet matrix against `deploy status`, a train's waves changing without a reload, a run's
//! log with its secret redacted, the trace against `flotilla trace --json`, and a screenshot of
//! each page.
//! The browser signs in as a person does: a page sends it to `/login`, where it types a token
//! that `flotilla token create` printed.

use std::collections::BTreeMap;

use flotilla_testkit::browser::fantoccini::Locator;
use flotilla_testkit::browser::{self, Browser};
use flotilla_testkit::{free_port, wait};
use serde_json::{Value, json};

use crate::serve::harness::{API_TOKEN, Reply, Server, http, set_secrets};
use crate::support::{
    self, Sandbox, create_token, run_id, sandbox, waiting_build, wire_waiting_builds,
};

const TOKEN: &str = "pypi-e2eSECRETtoken-dashboard-7f3a9c";

fn get(server: &Server, path: &str, token: Option<&str>) -> Reply {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer
        .as_deref()
        .map(|b| vec![("Authorization", b)])
        .unwrap_or_default();
    http("GET", &server.url(path), &headers, None)
}

fn page(server: &Server, path: &str) -> String {
    let reply = get(server, path, Some(API_TOKEN));
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
    assert!(
        reply.body.starts_with("<!doctype html>"),
        "GET {path}: {}",
        reply.body
    );
    reply.body
}

/// The demo's fleet (deployments in dev, stg and prd) served by `flotilla serve`.
fn demo_served() -> (Sandbox, Server) {
    let mut sandbox = sandbox();
    let dir = sandbox.root().display().to_string();
    sandbox.flotilla(&["demo", &dir]).success();
    set_secrets(&mut sandbox);
    let server = Server::start(&sandbox, free_port());
    (sandbox, server)
}

/// `(service, environment) → version` of `flotilla deploy status --json`.
fn deploy_status(sandbox: &Sandbox) -> BTreeMap<(String, String), String> {
    sandbox
        .flotilla(&["deploy", "status", "--json"])
        .success()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                (
                    d["service"].as_str().unwrap().to_owned(),
                    d["environment"].as_str().unwrap().to_owned(),
                ),
                d["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The row of `service` in the fleet page's matrix.
fn fleet_row<'a>(html: &'a str, service: &str) -> &'a str {
    let start = html
        .find(&format!("<th scope=\"row\">{service} "))
        .unwrap_or_else(|| panic!("{service} has a row:\n{html}"));
    let end = html[start..].find("</tr>").unwrap();
    &html[start..start + end]
}

/// Every cell of the fleet page's matrix shows the version `deploy status` says runs there.
fn assert_fleet_is_deploy_status(sandbox: &Sandbox, fleet: &str) {
    for ((service, environment), version) in deploy_status(sandbox) {
        let row = fleet_row(fleet, &service);
        let cell_start = row
            .find(&format!("data-env=\"{environment}\""))
            .unwrap_or_else(|| panic!("{service} {environment}:\n{row}"));
        let cell = &row[cell_start..];
        let cell = &cell[..cell.find("</td>").unwrap()];
        assert!(
            cell.contains(&format!(">{version}</a>")),
            "{service} in {environment} runs {version}:\n{cell}"
        );
    }
}

#[test]
fn the_fleet_page_follows_what_other_processes_change() {
    let (sandbox, server) = demo_served();
    let before = page(&server, "/");
    assert_fleet_is_deploy_status(&sandbox, &before);
    // The CLI, another process, rolls identity back in prd: the server reads the pair again.
    sandbox
        .flotilla(&["deploy", "rollback", "identity", "--env", "prd"])
        .success();
    let after = page(&server, "/");
    assert_ne!(
        fleet_row(&before, "identity"),
        fleet_row(&after, "identity")
    );
    assert_eq!(
        fleet_row(&before, "inventory"),
        fleet_row(&after, "inventory")
    );
    assert_fleet_is_deploy_status(&sandbox, &after);
    let unchanged = page(&server, "/");
    assert_eq!(unchanged, after, "nothing changed, the same page");
}

#[test]
fn every_page_answers_with_the_token_and_refuses_without_and_shows_what_the_cli_says() {
    let (sandbox, server) = demo_served();
    let trains = sandbox
        .flotilla(&["release", "list", "--json"])
        .success()
        .json();
    let train = trains[0]["id"].as_str().unwrap().to_owned();
    let summary = sandbox
        .flotilla(&["release", "status", &train, "--json"])
        .success()
        .json();
    let run = summary["runs"][0]["run"].as_str().unwrap().to_owned();
    let paths = [
        "/".to_owned(),
        "/?q=ident&category=backend".to_owned(),
        "/trains".to_owned(),
        format!("/trains/{train}"),
        format!("/runs/{run}"),
        "/deployments".to_owned(),
        "/deployments?service=identity&env=prd".to_owned(),
        "/trace".to_owned(),
        "/trace?service=identity&env=prd".to_owned(),
        "/plan".to_owned(),
        "/plan?request=final+1.0.0".to_owned(),
        "/audit".to_owned(),
    ];
    for path in &paths {
        page(&server, path);
        let refused = get(&server, path, None);
        assert!(
            [401, 303].contains(&refused.status),
            "GET {path} without a token: {} {}",
            refused.status,
            refused.body
        );
        assert!(
            !refused.body.contains("identity"),
            "{path}: {}",
            refused.body
        );
        let wrong = get(&server, path, Some("not-the-token-0123456789"));
        assert!(
            [401, 303].contains(&wrong.status),
            "{path}: {}",
            wrong.status
        );
    }

    // The matrix shows what `deploy status` says, cell by cell.
    assert_fleet_is_deploy_status(&sandbox, &page(&server, "/"));
    // The filter keeps what matches only.
    let filtered = page(&server, "/?q=inventory");
    assert!(filtered.contains("<th scope=\"row\">inventory "));
    assert!(!filtered.contains("<th scope=\"row\">identity "));

    // The trace page and the API answer what the CLI answers.
    let cli = sandbox
        .flotilla(&["trace", "identity", "--env", "prd", "--json"])
        .success()
        .json();
    let api = server.api("/trace?service=identity&env=prd");
    assert_eq!(api, cli);
    let commit = cli["origin"]["commit"].as_str().unwrap();
    assert_eq!(
        commit,
        sandbox.rev("identity", cli["origin"]["tag"].as_str().unwrap())
    );
    let trace = page(&server, "/trace?service=identity&env=prd");
    assert!(
        trace.contains(&format!("<code id=\"trace-commit\">{commit}</code>")),
        "{trace}"
    );
    let train_id = cli["origin"]["train"]["id"].as_str().unwrap();
    assert!(trace.contains(&format!("<code id=\"trace-train\">{train_id}</code>")));
    let unknown = page(
        &server,
        &format!("/trace?digest=sha256:{}", "cd".repeat(32)),
    );
    assert!(unknown.contains("not published by flotilla"), "{unknown}");

    // The plan page shows the waves `flotilla plan` prints.
    let plan = sandbox
        .flotilla(&["plan", "--json", "release", "tag", "1.0.1rc1"])
        .json();
    let planned = page(&server, "/plan?request=tag+1.0.1rc1");
    match plan["waves"].as_array() {
        Some(waves) => {
            for wave in waves {
                let number = wave["index"].as_u64().unwrap() + 1;
                assert!(planned.contains(&format!("<h2 id=\"wave-{number}\">Wave {number}")));
            }
        }
        None => assert!(planned.contains("class=\"error\""), "{planned}"),
    }
    let plan = sandbox
        .flotilla(&["plan", "--json", "release", "start", "1.1.0"])
        .success()
        .json();
    let planned = page(&server, "/plan?request=start+1.1.0");
    for wave in plan["waves"].as_array().unwrap() {
        let number = wave["index"].as_u64().unwrap() + 1;
        assert!(planned.contains(&format!("<h2 id=\"wave-{number}\">Wave {number}")));
        for repo in wave["repos"].as_array().unwrap() {
            assert!(
                planned.contains(&format!(
                    "<th scope=\"row\">{}</th>",
                    repo.as_str().unwrap()
                )),
                "{repo}"
            );
        }
    }

    // The deployments page offers the deploy commit and, to the API token (an admin), the
    // rollback forms with their hidden fields.
    let deployments = page(&server, "/deployments?service=identity&env=prd");
    let history: Vec<Value> = sandbox
        .flotilla(&["deploy", "history", "identity", "--env", "prd", "--json"])
        .success()
        .json()
        .as_array()
        .unwrap()
        .clone();
    for d in &history {
        let commit = d["detail"]["commit"].as_str().unwrap();
        assert!(
            deployments.contains(&format!("title=\"{commit}\"")),
            "{commit}"
        );
    }
    assert!(deployments.contains("/rollback\">"));
    assert!(deployments.contains("<input type=\"hidden\" name=\"csrf\""));
    assert!(deployments.contains("<input type=\"hidden\" name=\"next\""));
}

#[test]
fn what_a_request_or_a_log_carries_is_escaped() {
    let (_sandbox, server) = demo_served();
    let evil = "<script>alert(1)</script>";
    let fleet = page(&server, "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    assert!(!fleet.contains(evil), "{fleet}");
    assert!(
        fleet.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{fleet}"
    );
    let deployments = page(
        &server,
        "/deployments?service=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    );
    assert!(!deployments.contains(evil), "{deployments}");
    let plan = page(&server, "/plan?request=tag+%3Cscript%3E");
    assert!(!plan.contains("<script>"), "{plan}");
}

/// Prints the token (read from a file outside the repository, as a build that found it
/// elsewhere would) and a line of HTML, then waits for the test's file when asked to.
const LEAKY_SCRIPT: &str = "#!/bin/sh\n\
. \"$FLOTILLA_E2E_SECRETS\"\n\
echo \"publishing with token $E2E_PYPI_TOKEN\"\n\
echo '<script>document.title=\"pwned\"</script> <b>bold</b>'\n";

/// `a` prints a secret and HTML in its build; `b`'s build waits for a file, so its train
/// stays live until the test lets it go.
fn leaky_and_waiting() -> Sandbox {
    let fleet = support::fleet()
        .category("svc")
        .section(
            "registries:\n  \
               pypi:\n    kind: pypi\n    url: .flotilla/artifacts/pypi\n    token_env: E2E_PYPI_TOKEN",
        )
        .repo("a", "svc")
        .file("scripts/leak.sh", LEAKY_SCRIPT)
        .command("leak", &["sh", "scripts/leak.sh"], &["tag"]);
    let mut sandbox = waiting_build(fleet.repo("b", "svc").depends_on(&["a"]), &["tag"]).build();
    wire_waiting_builds(&mut sandbox);
    sandbox.set_env("E2E_PYPI_TOKEN", TOKEN);
    let copies = sandbox.outside("secrets.sh");
    std::fs::write(&copies, format!("E2E_PYPI_TOKEN='{TOKEN}'\n")).unwrap();
    sandbox.set_env("FLOTILLA_E2E_SECRETS", &copies);
    set_secrets(&mut sandbox);
    sandbox
}

/// The state of each repository on a train page, as the browser's DOM has it now.
async fn dom_states(browser: &Browser) -> BTreeMap<String, String> {
    let value = browser
        .client
        .execute(
            "return Array.from(document.querySelectorAll('#waves tr[data-repo]'))\
             .map(function (r) { return [r.dataset.repo, r.dataset.state]; });",
            vec![],
        )
        .await
        .unwrap();
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_owned(),
                pair[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_a_train_goes_live_a_log_is_redacted_and_every_page_is_captured() {
    assert!(
        browser::available(),
        "chromium and chromedriver are needed: bash scripts/install-test-deps.sh"
    );
    let sandbox = leaky_and_waiting();
    let ada = create_token(&sandbox, "ada", "admin");
    let server = Server::start(&sandbox, free_port());
    let mut cli = sandbox.spawn(&["release", "start", "1.0.0"]);
    wait::for_file_from(&sandbox.outside("started.b"), &mut cli);
    let summary = sandbox
        .flotilla(&["release", "status", "--json"])
        .success()
        .json();
    let train = summary["train"].as_str().unwrap().to_owned();

    let browser = Browser::start().await;
    // A train page, opened while `b` builds: it changes without a reload.
    browser
        .sign_in(&server.url(&format!("/trains/{train}")), &ada)
        .await;
    let c = &browser.client;
    c.execute("window.flotillaMarker = 'no reload';", vec![])
        .await
        .unwrap();
    let before = dom_states(&browser).await;
    assert_eq!(
        before.get("a").map(String::as_str),
        Some("done"),
        "{before:?}"
    );
    assert_eq!(
        before.get("b").map(String::as_str),
        Some("running"),
        "{before:?}"
    );
    browser.screenshot("train-live").await;
    // b's run page, in a second tab: its log tails without a reload too.
    let train_tab = c.window().await.unwrap();
    let run_b = run_id(&summary, "b");
    let run_tab = c.new_window(true).await.unwrap().handle;
    c.switch_to_window(run_tab.clone()).await.unwrap();
    c.goto(&server.url(&format!("/runs/{run_b}")))
        .await
        .unwrap();
    c.execute("window.flotillaMarker = 'no reload';", vec![])
        .await
        .unwrap();
    let steps_text = || async { c.find(Locator::Id("steps")).await.ok()?.text().await.ok() };
    let waiting = steps_text().await.unwrap();
    assert!(!waiting.contains("built b 1.0.0"), "{waiting}");
    std::fs::write(sandbox.outside("release"), "").unwrap();
    wait::until_async("the run page to show b's build output", || async {
        steps_text()
            .await
            .filter(|text| text.contains("built b 1.0.0"))
    })
    .await;
    let marker = c
        .execute("return window.flotillaMarker;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, json!("no reload"), "the run page was not reloaded");
    c.close_window().await.unwrap();
    c.switch_to_window(train_tab).await.unwrap();
    wait::until_async("the page to show the train done", || async {
        let states = dom_states(&browser).await;
        (states.values().all(|s| s == "done") && states.len() == 2).then_some(())
    })
    .await;
    let marker = c
        .execute("return window.flotillaMarker;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, json!("no reload"), "the page was not reloaded");
    let status = c
        .find(Locator::Id("train-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "succeeded");
    browser.screenshot("train").await;
    assert!(wait::for_exit(&mut cli).success());

    // The run page: the step log, its secret redacted and its HTML shown as text.
    let done = sandbox
        .flotilla(&["release", "status", &train, "--json"])
        .success()
        .json();
    let run = run_id(&done, "a");
    c.goto(&server.url(&format!("/runs/{run}"))).await.unwrap();
    let text = c
        .find(Locator::Id("steps"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("publishing with token ***"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(
        text.contains("<script>document.title=\"pwned\"</script> <b>bold</b>"),
        "the log's HTML is text:\n{text}"
    );
    assert_ne!(c.title().await.unwrap(), "pwned");
    assert!(
        c.find_all(Locator::Css("#steps b"))
            .await
            .unwrap()
            .is_empty()
    );
    let html = page(&server, &format!("/runs/{run}"));
    assert!(!html.contains(TOKEN));
    assert!(html.contains("&lt;script&gt;"));
    browser.screenshot("run").await;

    let train_page = format!("/trains/{train}");
    let run_page = format!("/runs/{run}");
    for (name, path) in [
        ("fleet", "/"),
        ("trains", "/trains"),
        ("train", train_page.as_str()),
        ("run", run_page.as_str()),
        ("deployments", "/deployments"),
        ("trace", "/trace"),
        ("plan", "/plan?request=start+1.1.0"),
        ("audit", "/audit"),
    ] {
        c.goto(&server.url(path)).await.unwrap();
        c.find(Locator::Css("main h1")).await.unwrap();
        browser.screenshot(name).await;
        browser.assert_accessible(path).await;
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_the_fleet_is_what_deploy_status_says_and_the_trace_what_the_cli_says() {
    assert!(
        browser::available(),
        "chromium and chromedriver are needed: bash scripts/install-test-deps.sh"
    );
    let (sandbox, server) = demo_served();
    let ada = create_token(&sandbox, "ada", "admin");
    // In the dark theme: the other browser tests check the light one.
    let browser = Browser::start_dark().await;
    browser.sign_in(&server.url("/"), &ada).await;
    let c = &browser.client;
    let dark = c
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches \
             && getComputedStyle(document.body).backgroundColor;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        dark,
        json!("rgb(17, 20, 24)"),
        "the dark theme's background"
    );
    let cells = c
        .execute(
            "var out = {};\
             document.querySelectorAll('#fleet tbody tr').forEach(function (row) {\
               var service = row.querySelector('th').firstChild.textContent.trim();\
               row.querySelectorAll('td[data-env]').forEach(function (cell) {\
                 var v = cell.querySelector('a.version');\
                 if (v) { out[service + ' ' + cell.dataset.env] = v.textContent; }\
               });\
             });\
             return out;",
            vec![],
        )
        .await
        .unwrap();
    let shown: BTreeMap<String, String> = serde_json::from_value(cells).unwrap();
    let expected: BTreeMap<String, String> = deploy_status(&sandbox)
        .into_iter()
        .map(|((s, e), v)| (format!("{s} {e}"), v))
        .collect();
    assert_eq!(shown, expected);
    browser.screenshot("fleet-demo").await;
    browser.assert_accessible("fleet-demo").await;

    // Following the prd cell of identity leads to its trace: the CLI's chain.
    c.find(Locator::Css(
        "#fleet td[data-env=prd] a.version[href*='service=identity&']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let cli = sandbox
        .flotilla(&["trace", "identity", "--env", "prd", "--json"])
        .success()
        .json();
    let commit = c
        .wait()
        .for_element(Locator::Id("trace-commit"))
        .await
        .unwrap();
    assert_eq!(
        commit.text().await.unwrap(),
        cli["origin"]["commit"].as_str().unwrap()
    );
    let train = c.find(Locator::Id("trace-train")).await.unwrap();
    assert_eq!(
        train.text().await.unwrap(),
        cli["origin"]["train"]["id"].as_str().unwrap()
    );
    let digest = c.find(Locator::Id("trace-digest")).await.unwrap();
    assert_eq!(
        digest.text().await.unwrap(),
        cli["digest"].as_str().unwrap()
    );
    browser.screenshot("trace-demo").await;
    browser.assert_accessible("trace-demo").await;

    c.goto(&server.url("/deployments?service=identity&env=prd"))
        .await
        .unwrap();
    browser.screenshot("deployments-demo").await;
    browser.assert_accessible("deployments-demo").await;
    browser.close().await;
}
