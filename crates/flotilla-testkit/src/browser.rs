//! A real browser for the dashboard's tests: Debian's `chromedriver` on a free port and a
//! headless Chromium session driven over WebDriver (fantoccini), with screenshots saved where
//! the test run says.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub use fantoccini;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

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
    pub async fn start() -> Self {
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

    /// Sends `headers` with every request the browser makes from now on, `EventSource`
    /// streams included (a Chrome DevTools command through chromedriver).
    pub async fn set_extra_headers(&self, headers: &[(&str, &str)]) {
        let headers: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), json!(value)))
            .collect();
        self.client
            .issue_cmd(DevTools::new("Network.enable", json!({})))
            .await
            .expect("Network.enable");
        self.client
            .issue_cmd(DevTools::new(
                "Network.setExtraHTTPHeaders",
                json!({ "headers": headers }),
            ))
            .await
            .expect("Network.setExtraHTTPHeaders");
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

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct DevTools {
    command: &'static str,
    params: Value,
}

impl DevTools {
    fn new(command: &'static str, params: Value) -> Self {
        Self { command, params }
    }
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.command, "params": self.params }).to_string()),
        )
    }
}
