//! The client against real GitHub, only when the environment names a repository and a token:
//!
//! - `FLOTILLA_TEST_GITHUB_REPO`: `owner/name` of a repository whose default branch has the
//!   release workflow (`FLOTILLA_TEST_GITHUB_WORKFLOW`, default `flotilla-release.yml`) with a
//!   `workflow_dispatch` trigger declaring the inputs `version`, `train`, `run`, `steps` and
//!   `correlation`, and `run-name: flotilla ${{ inputs.correlation }}`;
//! - `FLOTILLA_TEST_GITHUB_TOKEN`: a token with Actions read and write on it;
//! - optional: `FLOTILLA_TEST_GITHUB_REF` (default `main`), `FLOTILLA_TEST_GITHUB_API` (GitHub
//!   Enterprise Server's `https://HOST/api/v3`).
//!
//! Without them the test says it is skipped and passes.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::{SystemTime, UNIX_EPOCH};

use flotilla_github::{Conclusion, GithubAuth, GithubClient, GithubConfig, GithubRepo};
use flotilla_testkit::wait;

#[test]
#[allow(clippy::print_stderr, clippy::expect_used)]
fn a_real_dispatch_is_found_followed_and_its_logs_read() {
    let (Ok(repo), Some(_)) = (
        std::env::var("FLOTILLA_TEST_GITHUB_REPO"),
        std::env::var_os("FLOTILLA_TEST_GITHUB_TOKEN"),
    ) else {
        eprintln!(
            "skipped: set FLOTILLA_TEST_GITHUB_REPO and FLOTILLA_TEST_GITHUB_TOKEN to run against real GitHub"
        );
        return;
    };
    let repo = GithubRepo::parse(&repo).expect("FLOTILLA_TEST_GITHUB_REPO is owner/name");
    let var =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let workflow = var("FLOTILLA_TEST_GITHUB_WORKFLOW", "flotilla-release.yml");
    let git_ref = var("FLOTILLA_TEST_GITHUB_REF", "main");
    let mut config =
        GithubConfig::new(GithubAuth::token_from_env("FLOTILLA_TEST_GITHUB_TOKEN").unwrap());
    if let Ok(api) = std::env::var("FLOTILLA_TEST_GITHUB_API") {
        config = config.with_api_url(api);
    }
    let client = GithubClient::new(config).unwrap();
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let correlation = format!("flotilla-test-{stamp}");
    let inputs: BTreeMap<String, String> = [
        ("version", "0.0.0"),
        ("train", "0"),
        ("run", "0"),
        ("steps", "build"),
        ("correlation", correlation.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    client
        .dispatch(&repo, &workflow, &git_ref, &inputs)
        .unwrap();
    let run = wait::until("the dispatched run to be listed", || {
        let found = client.find(&repo, &workflow, &correlation).unwrap();
        if found.is_none() {
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
        found
    });
    let done = client.wait(&repo, run.id, &AtomicBool::new(false)).unwrap();
    let logs = client.logs(&repo, run.id).unwrap();
    eprintln!(
        "{}: {:?} in {} API calls, {} job logs",
        done.html_url,
        done.conclusion,
        client.calls(),
        logs.len()
    );
    assert_eq!(done.conclusion, Some(Conclusion::Success));
    assert!(!logs.is_empty() && logs.iter().all(|(_, text)| !text.is_empty()));
}
