use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::http_probe::http_status;
use crate::wait;

/// A server process started by a test (a registry, `flotilla serve`), killed when dropped.
/// Its output goes to a log file for failure messages; its data directory, when it owns one,
/// survives [`Server::stop`] so that [`Server::restart`] brings back what it held.
pub struct Server {
    command: Command,
    pub port: u16,
    ready_path: String,
    log: PathBuf,
    dir: Option<tempfile::TempDir>,
    child: Option<Child>,
}

impl Server {
    /// Runs `command`, logging to `log`, and waits until `http://127.0.0.1:PORT{ready_path}`
    /// answers with anything but a server error.
    pub fn start(command: Command, port: u16, ready_path: &str, log: PathBuf) -> Self {
        let mut server = Self {
            command,
            port,
            ready_path: ready_path.to_owned(),
            log,
            dir: None,
            child: None,
        };
        server.restart();
        server
    }

    /// [`Server::start`] for a server whose configuration and data live in `dir`, which it
    /// keeps until dropped; it logs to `server.log` there.
    pub fn start_in(dir: tempfile::TempDir, command: Command, port: u16, ready: &str) -> Self {
        let log = dir.path().join("server.log");
        let mut server = Self::start(command, port, ready, log);
        server.dir = Some(dir);
        server
    }

    /// Starts the server (again) on its port and data, and waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is already running");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = self
            .command
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {:?}: {e}", self.command));
        self.child = Some(child);
        let url = self.url(&self.ready_path);
        let (command, log) = (&self.command, &self.log);
        let child = self.child.as_mut().unwrap();
        wait::until(&format!("{url} to answer"), || {
            if let Some(status) = child.try_wait().unwrap() {
                let output = fs::read_to_string(log).unwrap_or_default();
                panic!("{command:?} exited with {status}:\n{output}");
            }
            http_status(&url).filter(|status| *status < 500)
        });
    }

    /// Kills the server (SIGKILL: no shutdown, exactly as a crash), keeping its data.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.kill());
            drop(child.wait());
        }
    }

    /// Freezes the server with SIGSTOP: it keeps its port, the kernel still accepts
    /// connections for it, and nothing answers them, as a hung registry.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Lets a server [`Server::freeze`] froze run again (SIGCONT).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("the server is running");
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill {signal} {} failed", child.id());
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The directory the server keeps its configuration and data in.
    pub fn dir(&self) -> &Path {
        self.dir
            .as_ref()
            .expect("a server started with Server::start_in")
            .path()
    }

    /// What the server wrote to stdout and stderr.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
