use std::process::Output;

/// The result of one invocation of a binary: its exit code and both streams.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn from_output(output: &Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the command succeeded.
    #[track_caller]
    #[allow(clippy::return_self_not_must_use)]
    pub fn success(self) -> Self {
        assert_eq!(self.code, Some(0), "expected success:\n{self}");
        self
    }

    /// Panics with both streams unless the command failed.
    #[track_caller]
    #[allow(clippy::return_self_not_must_use)]
    pub fn failure(self) -> Self {
        assert!(
            self.code.is_some_and(|c| c != 0),
            "expected a non-zero exit code:\n{self}"
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{self}"))
    }
}

/// The exit code and both streams, the form snapshots pin and failure messages show.
impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}
