//! The registry servers the tests publish to: the shared ones `scripts/services/start.sh`
//! announces in `FLOTILLA_TEST_*`, or ones started here from the binaries
//! `scripts/install-services.sh` installs, in temporary directories, stopped when dropped.

use std::fmt::Write as _;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::clients::http_status;

/// A server process started by a test, stopped when dropped; its data directory survives
/// [`Server::stop`] so that [`Server::restart`] brings back what it held.
pub struct Server {
    argv: Vec<String>,
    dir: tempfile::TempDir,
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

    /// Starts the server on its port and data, and waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is already running");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        self.child = Some(
            Command::new(&self.argv[0])
                .args(&self.argv[1..])
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap(),
        );
        let url = format!("{}{}", self.url(), self.ready_path);
        let deadline = Instant::now() + Duration::from_mins(1);
        while http_status(&url) != Some(200) {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("{:?} exited with {status}:\n{}", self.argv, self.log());
            }
            assert!(
                Instant::now() < deadline,
                "{:?} did not answer {url} within a minute:\n{}",
                self.argv,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills the server, keeping its data.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.kill());
            drop(child.wait());
        }
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

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Says why a test does not run: only a server that is neither running nor installed.
#[allow(clippy::print_stderr)]
fn skip(what: &str) {
    let why = format!("{what} is neither running nor installed; run scripts/install-services.sh");
    // The suite's script starts every service: there a missing one is a failure, not a skip.
    assert!(
        std::env::var_os("FLOTILLA_TEST_REQUIRE_SERVICES").is_none(),
        "FLOTILLA_TEST_REQUIRE_SERVICES is set, but {why}"
    );
    eprintln!("skipped: {why}");
}

/// A docker-registry of our own on a free port, with its request log in [`Server::log`].
pub fn own_oci_registry() -> Option<Server> {
    let Some(binary) = on_path("docker-registry") else {
        skip("docker-registry");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = format!(
        "version: 0.1\nlog:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: false\n\
         storage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n  \
         secret: flotilla-e2e\n",
        dir.path().join("data").display()
    );
    let config_path = dir.path().join("config.yml");
    fs::write(&config_path, config).unwrap();
    let argv = vec![
        binary.display().to_string(),
        "serve".to_owned(),
        config_path.display().to_string(),
    ];
    Some(Server::start(argv, dir, port, "/v2/"))
}

fn own_pypi() -> Option<Server> {
    let binary = services_home().join("venv/bin/pypi-server");
    if !binary.is_file() {
        skip("pypiserver");
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
    Some(Server::start(argv.to_vec(), dir, port, "/health"))
}

fn own_npm() -> Option<Server> {
    let binary = services_home().join("verdaccio/node_modules/.bin/verdaccio");
    if !binary.is_file() {
        skip("verdaccio");
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
    Some(Server::start(argv, dir, port, "/-/ping"))
}

/// The three registries a train publishes to: `http://host:port` each, with the servers this
/// test had to start itself.
pub struct Registries {
    pub oci: String,
    pub pypi: String,
    pub npm: String,
    _own: Vec<Server>,
}

impl Registries {
    pub fn get() -> Option<Self> {
        let mut own = Vec::new();
        let mut pick = |var: &str, start: fn() -> Option<Server>| -> Option<String> {
            let (url, server) = shared_or_own(var, start)?;
            own.extend(server);
            Some(url)
        };
        let oci = pick("FLOTILLA_TEST_OCI_REGISTRY", own_oci_registry)?;
        let pypi = pick("FLOTILLA_TEST_PYPI_URL", own_pypi)?;
        let npm = pick("FLOTILLA_TEST_NPM_URL", own_npm)?;
        Some(Self {
            oci,
            pypi,
            npm,
            _own: own,
        })
    }

    /// `host:port` of the OCI registry, as skopeo's `docker://` references take it.
    pub fn oci_host(&self) -> &str {
        host(&self.oci)
    }

    /// The manifest's `registries:` section; charts go under `NAMESPACE/charts`.
    pub fn section(&self, namespace: &str) -> String {
        registries_section(&self.oci, &self.pypi, &self.npm, namespace)
    }
}

/// The shared server whose address `var` holds (`host:port` or a URL), or one of our own
/// started by `start`: its URL, and the server to keep running while it is used.
pub fn shared_or_own(var: &str, start: fn() -> Option<Server>) -> Option<(String, Option<Server>)> {
    if let Ok(value) = std::env::var(var) {
        let value = value.trim_end_matches('/');
        let url = if value.contains("://") {
            value.to_owned()
        } else {
            format!("http://{value}")
        };
        return Some((url, None));
    }
    let server = start()?;
    Some((server.url(), Some(server)))
}

/// `host:port` of a server URL, as skopeo's `docker://` references take it.
pub fn host(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

fn registries_section(oci: &str, pypi: &str, npm: &str, namespace: &str) -> String {
    format!(
        "registries:\n  images: {{kind: image, url: {oci}, insecure: true}}\n  \
         pypi: {{kind: pypi, url: {pypi}, insecure: true}}\n  \
         npm: {{kind: npm, url: {npm}, insecure: true}}\n  \
         charts: {{kind: chart, url: {oci}/{namespace}/charts, insecure: true}}\n"
    )
}

/// A suffix no earlier run used: the shared servers keep what every run published.
pub fn unique() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "t{:x}{:x}{}",
        std::process::id(),
        nanos % (1 << 40),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The requests of a docker-registry log that were answered with success, as
/// `METHOD URI STATUS`.
pub fn requests(log: &str) -> String {
    let mut out = String::new();
    for line in log.lines() {
        let field = |key: &str| {
            line.split_once(&format!("{key}="))
                .map(|(_, rest)| rest.trim_start_matches('"'))
                .and_then(|rest| rest.split(['"', ' ']).next())
        };
        if let (Some(method), Some(uri), Some(status)) = (
            field("http.request.method"),
            field("http.request.uri"),
            field("http.response.status"),
        ) && status.starts_with('2')
        {
            let _ = writeln!(out, "{method} {uri} {status}");
        }
    }
    out
}

/// How many successful `method` requests went to a URI starting with `prefix`.
pub fn count_requests(log: &str, method: &str, prefix: &str) -> usize {
    requests(log)
        .lines()
        .filter(|l| {
            l.split_once(' ')
                .is_some_and(|(m, rest)| m == method && rest.starts_with(prefix))
        })
        .count()
}

/// The digests of the blob uploads a docker-registry log shows completed into `name`, sorted.
pub fn uploaded_digests(log: &str, name: &str) -> Vec<String> {
    let prefix = format!("PUT /v2/{name}/blobs/uploads/");
    let mut digests: Vec<String> = requests(log)
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .filter_map(|l| {
            let (_, query) = l.split_once("digest=")?;
            Some(query.split(['&', ' ']).next()?.replace("%3A", ":"))
        })
        .collect();
    digests.sort();
    digests
}
