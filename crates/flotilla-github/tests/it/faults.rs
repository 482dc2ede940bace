use std::time::Duration;

use flotilla_core::Help;
use flotilla_github::{GithubAuth, GithubClient, GithubError, RetryPolicy, Secret};
use flotilla_testkit::FakeGithub;

use crate::common::{TOKEN, WORKFLOW, config, dispatch_and_find, inputs, repo, token_fake};

#[test]
fn a_spent_primary_rate_limit_is_waited_out_until_its_reset() {
    let (fake, client) = token_fake();
    fake.exhaust_rate_limit(Duration::from_secs(2));
    let run = dispatch_and_find(&client, "after-reset");
    assert_eq!(run.name, "flotilla after-reset");
    // One refusal taught the client the reset; it sent nothing more until then.
    assert_eq!(fake.rate_limited(), 1);
    assert_eq!(fake.dispatches().len(), 1);
}

#[test]
fn a_primary_reset_beyond_the_longest_wait_is_a_clear_error_at_once() {
    let (fake, _) = token_fake();
    let mut config = config(&fake, GithubAuth::Token(Secret::new(TOKEN)));
    config.max_rate_limit_wait = Duration::from_secs(5);
    let client = GithubClient::new(config).unwrap();
    fake.exhaust_rate_limit(Duration::from_hours(1));
    let error = client
        .dispatch(&repo(), WORKFLOW, "v1", &inputs("late"))
        .unwrap_err();
    assert!(
        matches!(
            error,
            GithubError::RateLimited {
                max_wait_secs: 5,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("rate limit is spent"), "{error}");
    assert!(error.help().unwrap().contains("wait for the reset"));
    // Nothing was retried against a spent limit.
    assert_eq!(fake.rate_limited(), 1);
    assert!(fake.dispatches().is_empty());
}

#[test]
fn a_secondary_rate_limit_is_retried_after_its_retry_after() {
    let (fake, client) = token_fake();
    fake.secondary_rate_limit(2, 1);
    client
        .dispatch(&repo(), WORKFLOW, "v1", &inputs("secondary"))
        .unwrap();
    assert_eq!(fake.rate_limited(), 2);
    assert_eq!(fake.calls(FakeGithub::DISPATCH), 3);
    assert_eq!(fake.dispatches().len(), 1);
}

#[test]
fn a_secondary_rate_limit_that_persists_gives_up_after_the_configured_waits() {
    let (fake, _) = token_fake();
    let mut config = config(&fake, GithubAuth::Token(Secret::new(TOKEN)));
    config.rate_limit_waits = 2;
    let client = GithubClient::new(config).unwrap();
    fake.secondary_rate_limit(10, 1);
    let error = client
        .dispatch(&repo(), WORKFLOW, "v1", &inputs("throttled"))
        .unwrap_err();
    assert!(
        matches!(error, GithubError::SecondaryRateLimited { waits: 2, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("secondary rate limit"),
        "{error}"
    );
    assert_eq!(fake.calls(FakeGithub::DISPATCH), 3);
}

#[test]
fn server_errors_are_retried_then_succeed() {
    let (fake, client) = token_fake();
    fake.fail_next_calls(2);
    client
        .dispatch(&repo(), WORKFLOW, "v1", &inputs("flaky"))
        .unwrap();
    assert_eq!(fake.calls(FakeGithub::DISPATCH), 3);
    assert_eq!(fake.dispatches().len(), 1);
    assert_eq!(client.calls(), 3);
}

#[test]
fn persistent_server_errors_give_a_clear_error_after_the_attempts() {
    let (fake, client) = token_fake();
    fake.fail_next_calls(100);
    let error = client.find(&repo(), WORKFLOW, "x").unwrap_err();
    match &error {
        GithubError::Server {
            status, attempts, ..
        } => {
            assert_eq!((*status, *attempts), (503, 3));
        }
        other => panic!("{other:?}"),
    }
    let text = error.to_string();
    assert!(
        text.contains("GitHub answered 503 on all 3 attempts"),
        "{text}"
    );
    assert!(
        text.contains("/repos/cloudforet-io/identity/actions/workflows/flotilla-release.yml/runs"),
        "{text}"
    );
    assert!(!text.contains("per_page"), "no query in errors: {text}");
    assert!(error.help().unwrap().contains("resume"));
}

#[test]
fn no_answer_at_all_is_retried_then_reported_as_unreachable() {
    let fake = FakeGithub::start();
    let mut config = config(&fake, GithubAuth::Token(Secret::new("t")));
    // A port nothing listens on.
    config.api_url = format!("http://127.0.0.1:{}", flotilla_testkit::free_port());
    config.retry = RetryPolicy::new(2, Duration::from_millis(10), Duration::from_millis(10));
    let client = GithubClient::new(config).unwrap();
    let error = client.cancel(&repo(), 1).unwrap_err();
    assert!(
        matches!(error, GithubError::Unreachable { attempts: 2, .. }),
        "{error:?}"
    );
}

#[test]
fn an_answer_saying_the_budget_is_spent_stops_requests_until_the_reset() {
    let (fake, client) = token_fake();
    // Two requests an hour: the second answer says none remain, until the hour is over.
    fake.set_rate_limit_budget(2);
    client.find(&repo(), WORKFLOW, "a").unwrap();
    client.find(&repo(), WORKFLOW, "b").unwrap();
    let error = client.find(&repo(), WORKFLOW, "c").unwrap_err();
    assert!(
        matches!(error, GithubError::RateLimited { .. }),
        "{error:?}"
    );
    // The third request was never sent: the client knew from the headers.
    assert_eq!(fake.calls(FakeGithub::LIST_RUNS), 2);
    assert_eq!(fake.rate_limited(), 0);
}
