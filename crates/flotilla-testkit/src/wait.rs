//! Waiting on conditions a test caused (a server answers, a file appears, a step starts),
//! never for a fixed time: a wait ends as soon as its condition holds, and fails the test with
//! what it waited for once its patience runs out. The patience only bounds a hang; no test may
//! rely on it being short.

use std::future::Future;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

/// How long a wait lasts before it fails the test: generous, since it only bounds a hang.
pub const PATIENCE: Duration = Duration::from_mins(3);

/// How often a condition is checked again: soon at first, so that a wait for something about
/// to happen (an upload to start) sees it early, then less often for slow conditions.
const FIRST_POLL: Duration = Duration::from_millis(1);
const LAST_POLL: Duration = Duration::from_millis(25);

fn next_poll(poll: Duration) -> Duration {
    (poll * 2).min(LAST_POLL)
}

/// Polls `probe` until it gives a value; fails the test with `what` after [`PATIENCE`].
#[track_caller]
pub fn until<T>(what: &str, probe: impl FnMut() -> Option<T>) -> T {
    within(PATIENCE, what, probe)
}

/// [`until`] with a patience of its own.
#[track_caller]
pub fn within<T>(patience: Duration, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + patience;
    let mut poll = FIRST_POLL;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting {patience:?} for {what}"
        );
        std::thread::sleep(poll);
        poll = next_poll(poll);
    }
}

/// Waits until `holds` returns true.
#[track_caller]
pub fn until_true(what: &str, mut holds: impl FnMut() -> bool) {
    until(what, || holds().then_some(()));
}

/// [`until`] for a condition that only `child` can bring about: fails the test as soon as the
/// child exits without it.
#[track_caller]
pub fn while_running<T>(child: &mut Child, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    until(what, || {
        if let Some(value) = probe() {
            return Some(value);
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the process exited with {status} while waiting for {what}");
        }
        None
    })
}

/// Waits until `path` exists.
#[track_caller]
pub fn for_file(path: &Path) {
    until_true(&format!("{} to appear", path.display()), || path.exists());
}

/// Waits until `path` exists, failing the test if `child` exits first.
#[track_caller]
pub fn for_file_from(path: &Path, child: &mut Child) {
    while_running(child, &format!("{} to appear", path.display()), || {
        path.exists().then_some(())
    });
}

/// Waits until something accepts connections on the loopback `port`.
#[track_caller]
pub fn for_port(port: u16) {
    until_true(&format!("a server on 127.0.0.1:{port}"), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
}

/// Waits for `child` to exit and returns its status; kills it and fails the test if it is
/// still running after [`PATIENCE`].
#[track_caller]
pub fn for_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    let mut poll = FIRST_POLL;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            drop(child.kill());
            drop(child.wait());
            panic!("the process did not exit within {PATIENCE:?}");
        }
        std::thread::sleep(poll);
        poll = next_poll(poll);
    }
}

/// [`until`] for tests on a tokio runtime: the probe is async and the wait yields.
pub async fn until_async<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    let mut poll = FIRST_POLL;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting {PATIENCE:?} for {what}"
        );
        tokio::time::sleep(poll).await;
        poll = next_poll(poll);
    }
}
