use std::process::{Command, Stdio};

/// Runs a tool the tests check with (skopeo, pip, tar, umoci…), without stdin, and returns its
/// stdout; panics with both streams unless it succeeds, and says how to install the tools when
/// it cannot be started.
#[track_caller]
pub fn run(command: &mut Command) -> String {
    let output = command.stdin(Stdio::null()).output().unwrap_or_else(|e| {
        panic!(
            "could not run {:?} ({e}); install the test tools with scripts/install-test-deps.sh",
            command.get_program().display()
        )
    });
    assert!(
        output.status.success(),
        "{command:?} failed with {}:\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
