//! What the `flotilla serve` tests share: the server as a child process, a docker-registry of
//! the test's own that notifies it, a deploy repository, tiny images pushed with skopeo, and
//! HTTP through curl.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use flotilla_testkit::{free_port, run, wait};
use serde_json::Value;

use crate::support::{Sandbox, fleet};

pub const HOOK_SECRET: &str = "e2e-hook-secret-0123456789abcdef";
pub const REGISTRY_TOKEN: &str = "e2e-registry-token-0123456789abcdef";
pub const API_TOKEN: &str = "e2e-api-token-0123456789abcdef";

/// The media type of the registry's notification envelopes.
pub const ENVELOPE_TYPE: &str = "application/vnd.docker.distribution.events.v1+json";

/// The environments of issue 5's default policy, all written back into one deploy repository.
const ENVIRONMENTS: &str = "environments:
  - name: dev
    dev_builds: true
    channels: [dev]
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/dev.yaml}
  - name: stg
    channels: [rc]
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/stg.yaml}
  - name: prd
    channels: [final, hotfix]
    approval: true
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/prd.yaml}";

/// A fleet of one service, `identity`, whose images are `fleet/identity` (releases) and
/// `fleet-dev/identity` (master builds), with dev, stg and prd deployed by GitOps into
/// `remotes/deploy.git`.
pub fn cd_fleet() -> Sandbox {
    let mut sandbox = fleet()
        .setting("image_namespace: fleet")
        .section(ENVIRONMENTS)
        .repo("identity", "plugin")
        .build();
    create_deploy_repo(&sandbox);
    set_secrets(&mut sandbox);
    sandbox
}

/// The secrets `flotilla serve` and `flotilla hook install` read from the environment.
pub fn set_secrets(sandbox: &mut Sandbox) {
    sandbox.set_env("FLOTILLA_HOOK_SECRET", HOOK_SECRET);
    sandbox.set_env("FLOTILLA_REGISTRY_TOKEN", REGISTRY_TOKEN);
    sandbox.set_env("FLOTILLA_API_TOKEN", API_TOKEN);
}

/// A values file as people write them: comments, odd spacing, keys around the version.
pub fn values(environment: &str) -> String {
    format!(
        "# Umbrella chart values for {environment}.\n\
         # flotilla writes image versions back here; Argo CD syncs the cluster from it.\n\
         global:\n  \
           domain: {environment}.example.com   # keep\n\
         identity:\n  \
           enabled: true\n  \
           image:\n    \
             name: fleet/identity    # the release image\n    \
             version: latest  # set by flotilla\n  \
           replicas: 2\n\
         inventory:\n  \
           image:\n    \
             version: 0.1.0\n"
    )
}

/// The line of [`values`] that holds identity's version, with `version` in it.
pub fn version_line(version: &str) -> String {
    format!("    version: {version}  # set by flotilla\n")
}

const DEPLOY_ENVIRONMENTS: [&str; 3] = ["dev", "stg", "prd"];

fn create_deploy_repo(sandbox: &Sandbox) {
    let files: Vec<(String, String)> = DEPLOY_ENVIRONMENTS
        .iter()
        .map(|e| (format!("values/{e}.yaml"), values(e)))
        .collect();
    sandbox.create_remote(
        "deploy",
        files.iter().map(|(p, c)| (p.as_str(), c.as_str())),
        "Deploy values",
    );
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {} {}", self.status, self.body))
    }
}

/// One request with curl; `None` when nothing listens there.
pub fn try_http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Option<Reply> {
    let mut command = Command::new("curl");
    command.args([
        "--silent",
        "--max-time",
        "30",
        "--request",
        method,
        "--output",
        "-",
        "--write-out",
        "\n%{http_code}",
    ]);
    for (name, value) in headers {
        command.arg("--header").arg(format!("{name}: {value}"));
    }
    if body.is_some() {
        command.args(["--data-binary", "@-"]);
    }
    let mut child = command
        .arg(url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = body.map(|body| {
        let body = body.to_vec();
        // curl may stop reading once the server refused the body (413): a broken pipe here
        // is the expected end, not a failure.
        std::thread::spawn(move || drop(stdin.write_all(&body)))
    });
    let output = child.wait_with_output().unwrap();
    if let Some(writer) = writer {
        writer.join().unwrap();
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    let status: u16 = code.trim().parse().unwrap();
    (status != 0).then(|| Reply {
        status,
        body: body.to_owned(),
    })
}

pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
    try_http(method, url, headers, body)
        .unwrap_or_else(|| panic!("{method} {url}: nothing answered"))
}

/// `sha256=HEX`, the HMAC-SHA256 of `body` under `secret`, computed by openssl as the
/// post-receive hook does.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", secret])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(body).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let hex = text.trim().rsplit(' ').next().unwrap();
    format!("sha256={hex}")
}

/// A registry notification envelope with one tagged manifest push, as docker-registry sends.
pub fn envelope(event_id: &str, repository: &str, tag: &str, digest: &str) -> String {
    serde_json::json!({ "events": [{
        "id": event_id,
        "timestamp": "2026-11-26T09:00:00.123456789Z",
        "action": "push",
        "target": {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "size": 420,
            "digest": digest,
            "length": 420,
            "repository": repository,
            "url": format!("http://127.0.0.1:5000/v2/{repository}/manifests/{digest}"),
            "tag": tag,
        },
        "request": {"id": "r1", "addr": "127.0.0.1:40000", "host": "127.0.0.1:5000",
                    "method": "PUT", "useragent": "skopeo/1.9.3"},
        "actor": {},
        "source": {"addr": "127.0.0.1:5000", "instanceID": "e2e"},
    }]})
    .to_string()
}

/// A digest-shaped string made of one repeated hex digit.
pub fn fake_digest(digit: char) -> String {
    format!("sha256:{}", digit.to_string().repeat(64))
}

/// `flotilla serve`, run as a child process of the test on a port of its own.
pub struct Server {
    process: flotilla_testkit::Server,
    pub addr: String,
}

impl Server {
    /// Starts the server on `port` with the sandbox's manifest and state, and waits until it
    /// answers `/healthz`.
    pub fn start(sandbox: &Sandbox, port: u16) -> Self {
        Self::start_with(sandbox, port, &[])
    }

    /// [`Server::start`] with more arguments for `flotilla serve`.
    pub fn start_with(sandbox: &Sandbox, port: u16, extra: &[&str]) -> Self {
        let addr = format!("127.0.0.1:{port}");
        let mut serve = vec!["serve", "--listen", &addr];
        serve.extend_from_slice(extra);
        Self::launch(sandbox.command(&serve), sandbox, port)
    }

    /// [`Server::start_with`] under a file limit of `nofile`, set by `prlimit` for the server
    /// alone (argv, not a shell).
    pub fn start_with_file_limit(
        sandbox: &Sandbox,
        port: u16,
        extra: &[&str],
        nofile: u32,
    ) -> Self {
        let addr = format!("127.0.0.1:{port}");
        let mut serve = vec!["serve", "--listen", &addr];
        serve.extend_from_slice(extra);
        let inner = sandbox.command(&serve);
        let mut command = Command::new("prlimit");
        command
            .arg(format!("--nofile={nofile}:{nofile}"))
            .arg("--")
            .arg(inner.get_program())
            .args(inner.get_args())
            .stdin(Stdio::null());
        if let Some(dir) = inner.get_current_dir() {
            command.current_dir(dir);
        }
        for (name, value) in inner.get_envs() {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        Self::launch(command, sandbox, port)
    }

    fn launch(command: Command, sandbox: &Sandbox, port: u16) -> Self {
        let addr = format!("127.0.0.1:{port}");
        let process = flotilla_testkit::Server::start(
            command,
            port,
            "/healthz",
            sandbox.outside("serve.log"),
        );
        Self { process, addr }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// What the server wrote to stdout and stderr, for failure messages.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// SIGKILL: no shutdown, no cleanup, exactly as a crash.
    pub fn kill9(mut self) {
        self.process.stop();
    }

    pub fn post_registry(&self, body: &str, token: &str) -> Reply {
        http(
            "POST",
            &self.url("/hooks/registry"),
            &[
                ("Content-Type", ENVELOPE_TYPE),
                ("Authorization", &format!("Bearer {token}")),
            ],
            Some(body.as_bytes()),
        )
    }

    /// `GET /api/v1{path}` with the API token; panics unless it answers 200.
    pub fn api(&self, path: &str) -> Value {
        let reply = http(
            "GET",
            &self.url(&format!("/api/v1{path}")),
            &[("Authorization", &format!("Bearer {API_TOKEN}"))],
            None,
        );
        assert_eq!(reply.status, 200, "GET /api/v1{path}: {}", reply.body);
        reply.json()
    }

    /// Every stored event, whatever its status.
    pub fn events(&self) -> Vec<Value> {
        ["received", "processed", "ignored", "failed"]
            .iter()
            .flat_map(|status| {
                self.api(&format!("/events?status={status}&limit=1000"))
                    .as_array()
                    .unwrap()
                    .clone()
            })
            .collect()
    }

    /// Waits until the image-pushed event for `tag` has been processed and returns it.
    pub fn wait_image_event(&self, tag: &str) -> Value {
        wait::until(&format!("the event of tag {tag} to be handled"), || {
            self.events()
                .into_iter()
                .find(|e| e["payload"]["tag"] == tag && e["status"] != "received")
        })
    }
}

/// A docker-registry of the test's own whose notifications go to `notify_url`.
pub struct Registry {
    _process: flotilla_testkit::Server,
    pub host: String,
}

impl Registry {
    pub fn start(dir: &Path, notify_url: &str, token: &str) -> Self {
        let port = free_port();
        let host = format!("127.0.0.1:{port}");
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let config = dir.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: '{data}'
  delete:
    enabled: true
http:
  addr: {host}
  secret: e2e-registry-http-secret
notifications:
  events:
    includereferences: true
  endpoints:
    - name: flotilla
      url: '{notify_url}'
      headers:
        Authorization: ['Bearer {token}']
      timeout: 1s
      threshold: 5
      backoff: 1s
",
                data = dir.join("data").display()
            ),
        )
        .unwrap();
        let mut command = Command::new("docker-registry");
        command.arg("serve").arg(&config);
        let process =
            flotilla_testkit::Server::start(command, port, "/v2/", dir.join("registry.log"));
        Self {
            _process: process,
            host,
        }
    }
}

/// A tiny OCI image (no layers) in a local layout; each tag gets its own config label, so
/// every version has its own manifest digest.
pub struct Images {
    layout: PathBuf,
}

impl Images {
    pub fn new(dir: &Path) -> Self {
        let layout = dir.join("layout");
        run(Command::new("umoci")
            .arg("init")
            .arg("--layout")
            .arg(&layout));
        run(Command::new("umoci")
            .arg("new")
            .arg("--image")
            .arg(format!("{}:base", layout.display())));
        Self { layout }
    }

    /// Pushes `name:tag` to the registry with skopeo and returns the manifest digest.
    pub fn push(&self, registry: &Registry, name: &str, tag: &str) -> String {
        run(Command::new("umoci")
            .arg("config")
            .arg("--image")
            .arg(format!("{}:base", self.layout.display()))
            .arg("--tag")
            .arg(tag)
            .arg("--config.label")
            .arg(format!("org.opencontainers.image.version={tag}")));
        let digest_file = self.layout.with_file_name(format!("{tag}.digest"));
        run(Command::new("skopeo")
            .args(["copy", "--quiet", "--dest-tls-verify=false", "--digestfile"])
            .arg(&digest_file)
            .arg(format!("oci:{}:{tag}", self.layout.display()))
            .arg(format!("docker://{}/{name}:{tag}", registry.host)));
        std::fs::read_to_string(digest_file)
            .unwrap()
            .trim()
            .to_owned()
    }
}

/// `environment → version` of `flotilla deploy status --json`.
pub fn deploy_status(sandbox: &Sandbox) -> BTreeMap<String, String> {
    sandbox
        .flotilla(&["deploy", "status", "--json"])
        .success()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["service"] == "identity")
        .map(|d| {
            (
                d["environment"].as_str().unwrap().to_owned(),
                d["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A `deploy status` map from pairs.
pub fn running(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(e, v)| ((*e).to_owned(), (*v).to_owned()))
        .collect()
}

/// `flotilla deploy history identity [--env ENV] --json`, newest first.
pub fn history(sandbox: &Sandbox, environment: Option<&str>) -> Vec<Value> {
    let mut args = vec!["deploy", "history", "identity", "--json"];
    if let Some(environment) = environment {
        args.extend(["--env", environment]);
    }
    sandbox
        .flotilla(&args)
        .success()
        .json()
        .as_array()
        .unwrap()
        .clone()
}

/// Commits of the deploy repository's master, newest first.
pub fn deploy_commits(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .remote_git("deploy", &["rev-list", "master"])
        .lines()
        .map(str::to_owned)
        .collect()
}
