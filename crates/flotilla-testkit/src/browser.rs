//! A real browser for the dashboard's tests: Debian's `chromedriver` on a free port and a
//! headless Chromium session driven over WebDriver (fantoccini), with screenshots saved where
//! the test run says.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub use fantoccini;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::{free_port, wait};

/// chromedriver and one headless Chromium session; both end when dropped (close the session
/// with [`Browser::close`] first to end it cleanly).
pub struct Browser {
    pub client: Client,
    _driver: Reaper,
}

/// Whether this machine has what [`Browser::start`] needs (`scripts/install-test-deps.sh`
/// installs both).
pub fn available() -> bool {
    ["chromium", "chromedriver"].iter().all(|tool| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

impl Browser {
    /// A browser whose reader prefers light pages.
    pub async fn start() -> Self {
        Self::start_with(false).await
    }

    /// A browser whose reader prefers dark pages (`prefers-color-scheme: dark`).
    pub async fn start_dark() -> Self {
        Self::start_with(true).await
    }

    async fn start_with(dark: bool) -> Self {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (scripts/install-test-deps.sh installs chromium-driver)");
        wait::for_port(port);
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new",
                    // Tests run as root in containers, where Chromium's sandbox cannot start.
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    if dark { "--force-dark-mode" } else { "--no-first-run" },
                ],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a headless Chromium session");
        Self {
            client,
            _driver: Reaper(driver),
        }
    }

    /// Opens `url` signed out, which must send the browser to flotilla's sign-in page; there
    /// types `token` into the form and submits it, and waits until the browser is back at
    /// `url` with the session cookie the form set. What a person does, keys and clicks.
    pub async fn sign_in(&self, url: &str, token: &str) {
        self.client.goto(url).await.expect("the page opens");
        let login = self.client.current_url().await.expect("a current URL");
        assert_eq!(
            login.path(),
            "/login",
            "{url} without a session sends the browser to /login"
        );
        self.assert_accessible("the sign-in page").await;
        self.client
            .find(Locator::Id("token"))
            .await
            .expect("the sign-in form has a token field")
            .send_keys(token)
            .await
            .expect("the token is typed");
        self.client
            .find(Locator::Css("form[action='/login'] button[type=submit]"))
            .await
            .expect("the sign-in form has a button")
            .click()
            .await
            .expect("the form is submitted");
        let wanted = url::Url::parse(url).expect("an absolute URL");
        wait::until_async("the browser to be back from /login", || async {
            let here = self.client.current_url().await.ok()?;
            (here.path() == wanted.path() && here.query() == wanted.query()).then_some(())
        })
        .await;
    }

    /// Signs the browser out with the page's own sign-out button.
    pub async fn sign_out(&self) {
        self.client
            .find(Locator::Id("sign-out"))
            .await
            .expect("a signed-in page has a sign-out button")
            .click()
            .await
            .expect("sign out");
        wait::until_async("the browser to be signed out", || async {
            let here = self.client.current_url().await.ok()?;
            (here.path() == "/login").then_some(())
        })
        .await;
    }

    /// The answer to a `fetch` the page's own script could make: `method` on `path` with a
    /// form `body` and the browser's cookies. What a forged form or a script on the page
    /// would get.
    pub async fn fetch_form(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let answer = self
            .client
            .execute_async(
                "var done = arguments[arguments.length - 1];\
                 fetch(arguments[1], {method: arguments[0], body: arguments[2], redirect: 'manual',\
                   credentials: 'same-origin',\
                   headers: {'Content-Type': 'application/x-www-form-urlencoded'}})\
                 .then(function (r) { return r.text().then(function (t) { done([r.status, t]); }); })\
                 .catch(function (e) { done([0, String(e)]); });",
                vec![json!(method), json!(path), json!(body)],
            )
            .await
            .expect("the script runs");
        let status = answer[0].as_u64().expect("a status");
        (
            u16::try_from(status).expect("an HTTP status"),
            answer[1].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// Fails with each problem axe-core finds in the page now, against WCAG 2.1 A and AA
    /// (contrast, labels, names, landmarks…), as `rule (impact): help — elements`. axe-core
    /// comes from `.test-deps/node` (`scripts/install-test-deps.sh`).
    pub async fn assert_accessible(&self, what: &str) {
        let axe = std::fs::read_to_string(axe_script())
            .expect("axe-core is installed in .test-deps/node (bash scripts/install-test-deps.sh)");
        self.client
            .execute(&axe, vec![])
            .await
            .expect("axe-core loads into the page");
        let found = self
            .client
            .execute_async(
                "var done = arguments[arguments.length - 1];\
                 axe.run(document, {runOnly: {type: 'tag',\
                   values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})\
                 .then(function (r) { done(r.violations.map(function (v) {\
                   return v.id + ' (' + v.impact + '): ' + v.help + ' — ' +\
                     v.nodes.map(function (n) { return n.target.join(' '); }).join(', ');\
                 })); })\
                 .catch(function (e) { done(['axe failed: ' + e]); });",
                vec![],
            )
            .await
            .expect("axe-core runs");
        let problems: Vec<String> = serde_json::from_value(found).expect("a list of findings");
        assert!(
            problems.is_empty(),
            "{what} is not accessible:\n{}",
            problems.join("\n")
        );
    }

    /// Saves a PNG of the window as `<screenshots dir>/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = screenshots_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Ends chromedriver (and with it Chromium) however the test ends.
struct Reaper(Child);

/// `target/screenshots/` (under `CARGO_TARGET_DIR` when set), created and announced once.
#[allow(
    clippy::print_stderr,
    reason = "the test run says where its screenshots are"
)]
pub fn screenshots_dir() -> PathBuf {
    static ANNOUNCED: std::sync::Once = std::sync::Once::new();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshots directory");
    ANNOUNCED.call_once(|| eprintln!("screenshots: {}", dir.display()));
    dir
}

/// axe-core's browser script: `FLOTILLA_AXE_JS`, or where `scripts/install-test-deps.sh` puts it.
fn axe_script() -> PathBuf {
    std::env::var_os("FLOTILLA_AXE_JS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../.test-deps/node/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    )
}
