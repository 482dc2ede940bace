//! The registry servers the tests publish to: the shared ones `scripts/services/start.sh`
//! announces in `FLOTILLA_TEST_OCI_REGISTRY`, `FLOTILLA_TEST_PYPI_URL` and
//! `FLOTILLA_TEST_NPM_URL`, else ones started here from the binaries
//! `scripts/install-services.sh` installs, in temporary directories, stopped when dropped.
//!
//! A missing server makes a test return early (it says why on stderr) unless
//! `FLOTILLA_TEST_REQUIRE_SERVICES` is set, as `scripts/test.sh` sets it: there it fails.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::endpoint::Endpoint;
use crate::port::free_port;
use crate::server::Server;

/// The OCI registry: the shared one, or a docker-registry of our own.
pub fn oci_registry() -> Option<Endpoint> {
    shared_or_own("FLOTILLA_TEST_OCI_REGISTRY", || own_oci_registry(None))
}

/// The Python index: the shared one, or a pypiserver of our own.
pub fn pypi() -> Option<Endpoint> {
    shared_or_own("FLOTILLA_TEST_PYPI_URL", own_pypi)
}

/// The npm registry: the shared one, or a verdaccio of our own.
pub fn npm() -> Option<Endpoint> {
    shared_or_own("FLOTILLA_TEST_NPM_URL", own_npm)
}

/// The shared server whose address `var` holds, or one of our own started by `start`.
pub fn shared_or_own(var: &str, start: impl FnOnce() -> Option<Server>) -> Option<Endpoint> {
    if let Ok(address) = std::env::var(var) {
        return Some(Endpoint::shared(&address));
    }
    start().map(Endpoint::own)
}

/// A docker-registry of our own on a free port, deletes enabled, its request log in
/// [`Server::log`]; with basic auth for `user:password` when `htpasswd` (a bcrypt line) is
/// given.
pub fn own_oci_registry(htpasswd: Option<&str>) -> Option<Server> {
    let Some(binary) = on_path("docker-registry") else {
        skip("docker-registry", Path::new("docker-registry (PATH)"));
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut config = format!(
        "version: 0.1\nlog:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: false\n\
         storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
         http:\n  addr: 127.0.0.1:{port}\n  secret: flotilla-test\n",
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
    let mut command = Command::new(binary);
    command.arg("serve").arg(&config_path);
    Some(Server::start_in(dir, command, port, "/v2/"))
}

/// A pypiserver of our own, accepting uploads from anyone.
pub fn own_pypi() -> Option<Server> {
    let binary = services_home().join("venv/bin/pypi-server");
    if !binary.is_file() {
        skip("pypiserver", &binary);
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let port = free_port();
    let mut command = Command::new(binary);
    command
        .args(["run", "-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-P", ".", "-a", ".", "--disable-fallback"])
        .arg(&data);
    Some(Server::start_in(dir, command, port, "/health"))
}

/// A verdaccio of our own, without uplinks, accepting anonymous publishes.
pub fn own_npm() -> Option<Server> {
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
    let mut command = Command::new(binary);
    command
        .arg("-c")
        .arg(&config_path)
        .arg("-l")
        .arg(format!("127.0.0.1:{port}"));
    Some(Server::start_in(dir, command, port, "/-/ping"))
}

/// A name no earlier run used, starting with `prefix`: the shared servers keep what every
/// run published. Lowercase letters and digits only, so it fits every registry's names.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{prefix}{:x}{:x}{}",
        std::process::id(),
        nanos % (1 << 40),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
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

/// Says why a test does not run; only a server that is neither running nor installed is a
/// reason, and not under `FLOTILLA_TEST_REQUIRE_SERVICES`.
#[allow(clippy::print_stderr)]
fn skip(what: &str, path: &Path) {
    let why = format!(
        "{what} is neither running nor installed at {}; run scripts/install-services.sh",
        path.display()
    );
    assert!(
        std::env::var_os("FLOTILLA_TEST_REQUIRE_SERVICES").is_none(),
        "FLOTILLA_TEST_REQUIRE_SERVICES is set, but {why}"
    );
    eprintln!("skipped: {why}");
}
