use std::collections::BTreeMap;
use std::time::Duration;

use flotilla_github::{
    GithubAuth, GithubClient, GithubConfig, GithubRepo, RetryPolicy, Secret, WorkflowRun,
};
use flotilla_testkit::{FakeGithub, wait};

pub const TOKEN: &str = "ghp_TEST_SECRET_0123456789abcdef";
pub const WORKFLOW: &str = "flotilla-release.yml";

/// A configuration for `fake` with short waits, so that retries and polls do not slow tests.
pub fn config(fake: &FakeGithub, auth: GithubAuth) -> GithubConfig {
    let mut config = GithubConfig::new(auth).with_api_url(&fake.url);
    config.retry = RetryPolicy::new(3, Duration::from_millis(10), Duration::from_millis(40));
    config.poll = RetryPolicy::polling(Duration::from_millis(10), Duration::from_millis(40));
    config.max_rate_limit_wait = Duration::from_secs(30);
    config
}

/// A fake requiring [`TOKEN`], and a client that sends it.
pub fn token_fake() -> (FakeGithub, GithubClient) {
    let fake = FakeGithub::start();
    fake.require_token(TOKEN);
    let client = GithubClient::new(config(&fake, GithubAuth::Token(Secret::new(TOKEN)))).unwrap();
    (fake, client)
}

pub fn repo() -> GithubRepo {
    GithubRepo::new("cloudforet-io", "identity")
}

/// The release workflow's inputs of the contract.
pub fn inputs(correlation: &str) -> BTreeMap<String, String> {
    [
        ("version", "1.0.0rc1"),
        ("train", "7"),
        ("run", "12"),
        ("steps", "build,publish-image,publish-python"),
        ("correlation", correlation),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Dispatches the release workflow with `correlation` and finds the run it started.
pub fn dispatch_and_find(client: &GithubClient, correlation: &str) -> WorkflowRun {
    client
        .dispatch(&repo(), WORKFLOW, "v1.0.0rc1", &inputs(correlation))
        .unwrap();
    wait::until(&format!("the run of {correlation} to be listed"), || {
        client.find(&repo(), WORKFLOW, correlation).unwrap()
    })
}
