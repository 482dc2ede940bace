//! Real registries for the integration tests: the one named by the environment
//! (`FLOTILLA_TEST_OCI_REGISTRY`, `FLOTILLA_TEST_PYPI_URL`, `FLOTILLA_TEST_NPM_URL`, as
//! `scripts/services/start.sh` writes them), else one started here from the binaries
//! `scripts/install-services.sh` installs, in a temporary directory, stopped when dropped.

use std::fmt::Write as _;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A server process started by a test.
pub struct Server {
    argv: Vec<String>,
    pub dir: tempfile::TempDir,
    pub port: u16,
    ready_path: &'static str,
    child: Option<Child>,
}

impl Server {
    fn start(argv: Vec<String>, dir: tempfile::TempDir, port: u16, ready: &'static str) -> Self {
        let mut server = Self {
            argv,
            dir,
            port,
            ready_path: ready,
            child: None,
        };
        server.restart();
        server
    }

    /// Starts the server (again), on the same port and data, and waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        let child = Command::new(&self.argv[0])
            .args(&self.argv[1..])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let url = format!("http://127.0.0.1:{}{}", self.port, self.ready_path);
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            if reqwest::blocking::get(&url).is_ok_and(|r| !r.status().is_server_error()) {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("{:?} exited with {status}:\n{}", self.argv, self.log());
            }
            assert!(
                Instant::now() < deadline,
                "{:?} did not answer {url} within 60s:\n{}",
                self.argv,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills the server; its data stays for [`Server::restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A shared server named by the environment, or one of our own.
pub enum Endpoint {
    Shared(String),
    Own(Server),
}

impl Endpoint {
    /// `host:port` for the registry, `http://host:port` for the others.
    pub fn address(&self) -> String {
        match self {
            Self::Shared(address) => address.clone(),
            Self::Own(server) if server.ready_path == "/v2/" => server.address(),
            Self::Own(server) => server.url(),
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn services_home() -> PathBuf {
    std::env::var_os("FLOTILLA_SERVICES_HOME").map_or_else(
        || Path::new(&std::env::var_os("HOME").unwrap()).join(".cache/flotilla-services"),
        PathBuf::from,
    )
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Says why a test does not run; only a missing server binary is a reason.
#[allow(clippy::print_stderr)]
fn skip(what: &str, path: &Path) {
    // The suite's script installs every server: there a missing one is a failure, not a skip.
    assert!(
        std::env::var_os("FLOTILLA_TEST_REQUIRE_SERVICES").is_none(),
        "FLOTILLA_TEST_REQUIRE_SERVICES is set, but {what} is not installed at {}",
        path.display()
    );
    eprintln!(
        "skipped: {what} is not installed at {}; run scripts/install-services.sh",
        path.display()
    );
}

/// A name no earlier run used, for servers that keep their data between runs.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}{}x{nanos}x{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A docker-registry of our own, with basic auth for `user:password` when `htpasswd` (a bcrypt
/// line) is given.
pub fn own_registry(htpasswd: Option<&str>) -> Option<Server> {
    let Some(binary) = find_on_path("docker-registry") else {
        skip("docker-registry", Path::new("docker-registry (PATH)"));
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut config = format!(
        "version: 0.1\nlog:\n  level: info\n  formatter: text\nstorage:\n  filesystem:\n    \
         rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  \
         secret: flotilla-test\n",
        dir.path().join("data").display()
    );
    if let Some(line) = htpasswd {
        let path = dir.path().join("htpasswd");
        fs::write(&path, format!("{line}\n")).unwrap();
        writeln!(
            config,
            "auth:\n  htpasswd:\n    realm: flotilla-test\n    path: {}",
            path.display()
        )
        .unwrap();
    }
    let config_path = dir.path().join("config.yml");
    fs::write(&config_path, config).unwrap();
    let argv = vec![
        binary.display().to_string(),
        "serve".to_owned(),
        config_path.display().to_string(),
    ];
    Some(Server::start(argv, dir, port, "/v2/"))
}

pub fn registry() -> Option<Endpoint> {
    if let Ok(address) = std::env::var("FLOTILLA_TEST_OCI_REGISTRY") {
        return Some(Endpoint::Shared(address));
    }
    own_registry(None).map(Endpoint::Own)
}

pub fn pypi() -> Option<Endpoint> {
    if let Ok(url) = std::env::var("FLOTILLA_TEST_PYPI_URL") {
        return Some(Endpoint::Shared(url.trim_end_matches('/').to_owned()));
    }
    let binary = services_home().join("venv/bin/pypi-server");
    if !binary.is_file() {
        skip("pypiserver", &binary);
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let port = free_port();
    let argv = [
        binary.display().to_string(),
        "run".to_owned(),
        "-i".to_owned(),
        "127.0.0.1".to_owned(),
        "-p".to_owned(),
        port.to_string(),
        "-P".to_owned(),
        ".".to_owned(),
        "-a".to_owned(),
        ".".to_owned(),
        "--disable-fallback".to_owned(),
        data.display().to_string(),
    ];
    Some(Endpoint::Own(Server::start(
        argv.to_vec(),
        dir,
        port,
        "/health",
    )))
}

pub fn npm_registry() -> Option<Endpoint> {
    if let Ok(url) = std::env::var("FLOTILLA_TEST_NPM_URL") {
        return Some(Endpoint::Shared(url.trim_end_matches('/').to_owned()));
    }
    let binary = services_home().join("verdaccio/node_modules/.bin/verdaccio");
    if !binary.is_file() {
        skip("verdaccio", &binary);
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let root = dir.path();
    let config = format!(
        "storage: {storage}\nplugins: {plugins}\nauth:\n  htpasswd:\n    file: {htpasswd}\n\
         uplinks: {{}}\npackages:\n  '**':\n    access: $all\n    \
         publish: $anonymous $authenticated\n    unpublish: $anonymous $authenticated\n\
         publish:\n  allow_offline: true\nmax_body_size: 500mb\nlisten: 127.0.0.1:{port}\n\
         log: {{type: stdout, format: pretty, level: warn}}\n",
        storage = root.join("data").display(),
        plugins = root.join("plugins").display(),
        htpasswd = root.join("htpasswd").display(),
    );
    let config_path = root.join("config.yaml");
    fs::write(&config_path, config).unwrap();
    let argv = vec![
        binary.display().to_string(),
        "-c".to_owned(),
        config_path.display().to_string(),
        "-l".to_owned(),
        format!("127.0.0.1:{port}"),
    ];
    Some(Endpoint::Own(Server::start(argv, dir, port, "/-/ping")))
}
