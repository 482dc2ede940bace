use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use flotilla_github::{Conclusion, GithubAuth, GithubClient, RunStatus, Secret};
use flotilla_testkit::FakeGithub;
use flotilla_testkit::fake_github::RunnerResult;

use crate::common::{WORKFLOW, config, dispatch_and_find, inputs, repo, token_fake};

#[test]
fn a_dispatched_run_is_found_by_its_correlation_followed_to_success_and_its_log_read() {
    let (fake, client) = token_fake();
    fake.set_run_duration(Duration::from_millis(30), Duration::from_millis(60));
    fake.set_runner(|dispatch| {
        RunnerResult::success(format!(
            "flotilla runner run-steps --repo {} --version {} --steps {}\nok\n",
            dispatch.repo, dispatch.inputs["version"], dispatch.inputs["steps"]
        ))
    });
    let found = dispatch_and_find(&client, "t7-r12-identity-1");
    assert_eq!(found.name, "flotilla t7-r12-identity-1");
    let done = client
        .wait(&repo(), found.id, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(done.id, found.id);
    assert_eq!(done.status, RunStatus::Completed);
    assert_eq!(done.conclusion, Some(Conclusion::Success));
    assert!(
        done.html_url.contains("/actions/runs/"),
        "{}",
        done.html_url
    );

    let dispatches = fake.dispatches();
    assert_eq!(dispatches.len(), 1);
    assert_eq!(dispatches[0].git_ref, "v1.0.0rc1");
    assert_eq!(dispatches[0].workflow, WORKFLOW);
    assert_eq!(dispatches[0].inputs, inputs("t7-r12-identity-1"));

    let logs = client.logs(&repo(), found.id).unwrap();
    assert_eq!(
        logs,
        vec![(
            "release".to_owned(),
            "flotilla runner run-steps --repo identity --version 1.0.0rc1 --steps build,publish-image,publish-python\nok\n"
                .to_owned()
        )]
    );
    // The download host got no credentials: GitHub's log URLs are signed, and a token sent to
    // the storage host would leak.
    assert_eq!(fake.log_downloads(), (1, 0));
    assert_eq!(fake.calls(FakeGithub::DISPATCH), 1);
}

#[test]
fn a_failed_run_reports_failure_with_the_runner_log() {
    let (fake, client) = token_fake();
    fake.set_runner(|_| RunnerResult::failure("pytest: 3 failed\n"));
    let run = dispatch_and_find(&client, "fails-by-runner");
    let done = client
        .wait(&repo(), run.id, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(done.conclusion, Some(Conclusion::Failure));
    assert_eq!(
        client.logs(&repo(), run.id).unwrap()[0].1,
        "pytest: 3 failed\n"
    );

    fake.fail_next_runs(1);
    let run = dispatch_and_find(&client, "fails-by-knob");
    let done = client
        .wait(&repo(), run.id, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(done.conclusion, Some(Conclusion::Failure));
    // The next run is back to the runner's own verdict.
    fake.set_runner(|_| RunnerResult::success("fine\n"));
    let run = dispatch_and_find(&client, "succeeds-again");
    let done = client
        .wait(&repo(), run.id, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(done.conclusion, Some(Conclusion::Success));
}

#[test]
fn a_lost_dispatch_leaves_nothing_to_find() {
    let (fake, client) = token_fake();
    dispatch_and_find(&client, "before");
    fake.lose_next_dispatches(1);
    client
        .dispatch(&repo(), WORKFLOW, "v1.0.0rc1", &inputs("lost"))
        .unwrap();
    assert_eq!(client.find(&repo(), WORKFLOW, "lost").unwrap(), None);
    let dispatches = fake.dispatches();
    assert_eq!(dispatches.len(), 2);
    assert_eq!(dispatches[1].run_id, None);
    // A correlation id is matched as a whole word, never as a prefix of another.
    assert_eq!(client.find(&repo(), WORKFLOW, "befor").unwrap(), None);
}

#[test]
fn find_follows_link_pages_up_to_its_bound() {
    let fake = FakeGithub::start();
    let mut config = config(&fake, GithubAuth::Token(Secret::new("t")));
    config.find_per_page = 2;
    config.find_max_pages = 3;
    let client = GithubClient::new(config.clone()).unwrap();
    for n in 0..6 {
        client
            .dispatch(&repo(), WORKFLOW, "v1", &inputs(&format!("c{n}")))
            .unwrap();
    }
    let before = fake.calls(FakeGithub::LIST_RUNS);
    // Newest first, two a page: c0 is on the third page.
    let oldest = client.find(&repo(), WORKFLOW, "c0").unwrap().unwrap();
    assert_eq!(oldest.name, "flotilla c0");
    assert_eq!(fake.calls(FakeGithub::LIST_RUNS) - before, 3);
    let newest = client.find(&repo(), WORKFLOW, "c5").unwrap().unwrap();
    assert_eq!(newest.name, "flotilla c5");
    assert_eq!(fake.calls(FakeGithub::LIST_RUNS) - before, 4);

    config.find_max_pages = 2;
    let bounded = GithubClient::new(config).unwrap();
    assert_eq!(bounded.find(&repo(), WORKFLOW, "c0").unwrap(), None);
    assert_eq!(bounded.calls(), 2);
}

#[test]
fn cancel_stops_a_run_in_flight_and_is_quiet_on_a_completed_one() {
    let (fake, client) = token_fake();
    fake.set_run_duration(Duration::ZERO, Duration::from_hours(1));
    let run = dispatch_and_find(&client, "to-cancel");
    // A wait whose flag is set returns the run as last seen, still going.
    let seen = client
        .wait(&repo(), run.id, &AtomicBool::new(true))
        .unwrap();
    assert_eq!(seen.status, RunStatus::InProgress);

    client.cancel(&repo(), run.id).unwrap();
    let done = client
        .wait(&repo(), run.id, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(done.status, RunStatus::Completed);
    assert_eq!(done.conclusion, Some(Conclusion::Cancelled));
    assert_eq!(fake.cancels(), 1);
    // Cancelling again: GitHub answers 409, which is no error.
    client.cancel(&repo(), run.id).unwrap();
    assert_eq!(fake.calls(FakeGithub::CANCEL), 2);
    assert_eq!(fake.cancels(), 1);
}

#[test]
fn a_wait_ends_when_its_cancel_flag_is_set_from_another_thread() {
    let (fake, client) = token_fake();
    fake.set_run_duration(Duration::ZERO, Duration::from_hours(1));
    let run = dispatch_and_find(&client, "interrupted");
    let flag = AtomicBool::new(false);
    let polls_before = fake.calls(FakeGithub::GET_RUN);
    let seen = std::thread::scope(|scope| {
        scope.spawn(|| {
            // Once the wait has polled twice, interrupt it.
            flotilla_testkit::wait::until_true("two polls", || {
                fake.calls(FakeGithub::GET_RUN) >= polls_before + 2
            });
            flag.store(true, Ordering::Relaxed);
        });
        client.wait(&repo(), run.id, &flag).unwrap()
    });
    assert_eq!(seen.status, RunStatus::InProgress);
    assert_eq!(
        fake.cancels(),
        0,
        "a wait interrupted cancels nothing by itself"
    );
}

#[test]
fn an_enterprise_server_api_under_a_path_works_the_same() {
    let fake = FakeGithub::start_at("/api/v3");
    assert!(fake.url.ends_with("/api/v3"));
    fake.set_latency(Duration::from_millis(5));
    fake.set_dispatch_latency(Duration::from_millis(20));
    fake.set_run_appearance_delay(Duration::from_millis(50));
    fake.require_token("ghe-token");
    let client =
        GithubClient::new(config(&fake, GithubAuth::Token(Secret::new("ghe-token")))).unwrap();
    let run = dispatch_and_find(&client, "on-ghes");
    let done = client
        .wait(&repo(), run.id, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(done.conclusion, Some(Conclusion::Success));
    assert_eq!(fake.unauthorized(), 0);
}

#[test]
fn the_client_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<GithubClient>();
    let (fake, client) = token_fake();
    std::thread::scope(|scope| {
        for n in 0..4 {
            let client = &client;
            scope.spawn(move || dispatch_and_find(client, &format!("parallel-{n}")));
        }
    });
    assert_eq!(fake.dispatches().len(), 4);
}

#[test]
fn a_webhooks_nudge_ends_a_long_poll_at_once() {
    let fake = FakeGithub::start();
    let mut config = config(&fake, GithubAuth::Token(Secret::new(crate::common::TOKEN)));
    fake.require_token(crate::common::TOKEN);
    // An hour between polls: only the nudge can end this wait within the test.
    config.poll =
        flotilla_github::RetryPolicy::polling(Duration::from_hours(1), Duration::from_hours(1));
    let client = std::sync::Arc::new(GithubClient::new(config).unwrap());
    fake.set_run_duration(Duration::ZERO, Duration::from_hours(1));
    let run = dispatch_and_find(&client, "nudged");
    let polls_before = fake.calls(FakeGithub::GET_RUN);
    let (sender, answer) = std::sync::mpsc::channel();
    let waiting = std::sync::Arc::clone(&client);
    std::thread::spawn(move || {
        let _ = sender.send(waiting.wait(&repo(), run.id, &AtomicBool::new(false)));
    });
    flotilla_testkit::wait::until_true("the wait's first poll", || {
        fake.calls(FakeGithub::GET_RUN) > polls_before
    });
    // The run ends on GitHub, and its workflow_run webhook reaches this process.
    client.cancel(&repo(), run.id).unwrap();
    flotilla_github::nudge(run.id);
    let done = answer
        .recv_timeout(Duration::from_mins(1))
        .expect("the nudge ended the wait, not its hour")
        .unwrap();
    assert_eq!(done.status, RunStatus::Completed);
    assert_eq!(done.conclusion, Some(Conclusion::Cancelled));
}
