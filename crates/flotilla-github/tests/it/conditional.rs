use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use flotilla_github::{Conclusion, RunStatus};
use flotilla_testkit::FakeGithub;
use flotilla_testkit::fake_github::RunnerResult;

use crate::common::{dispatch_and_find, repo, token_fake};

#[test]
fn repeated_polls_of_an_unchanged_run_are_answered_304_and_a_change_is_seen() {
    let (fake, client) = token_fake();
    // The runner works until the test lets it finish.
    let release = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let gate = Arc::clone(&release);
    fake.set_runner(move |_| {
        let (done, signal) = &*gate;
        let mut done = done.lock().unwrap();
        while !*done {
            done = signal.wait(done).unwrap();
        }
        RunnerResult::success("built\n")
    });
    let run = dispatch_and_find(&client, "etag");
    let before = fake.calls(FakeGithub::GET_RUN);
    for _ in 0..3 {
        assert_eq!(
            client.run(&repo(), run.id).unwrap().status,
            RunStatus::InProgress
        );
    }
    assert_eq!(fake.calls(FakeGithub::GET_RUN) - before, 3);
    // The first poll has nothing to compare with; the next two are conditional.
    assert_eq!(fake.not_modified(), 2);

    *release.0.lock().unwrap() = true;
    release.1.notify_all();
    let done = client
        .wait(&repo(), run.id, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(done.status, RunStatus::Completed);
    assert_eq!(done.conclusion, Some(Conclusion::Success));
    // The run changed, so its new state came with a body and a new ETag.
    assert_eq!(client.run(&repo(), run.id).unwrap(), done);
    assert!(fake.not_modified() >= 3);
}
