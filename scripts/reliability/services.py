"""The trials' own registries: a docker-registry, a pypiserver and a verdaccio on free loopback
ports, each in its own session so that a trial can kill or freeze it without touching the
shared test services (scripts/services/), which are never stopped here."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

HOME = os.environ.get("FLOTILLA_SERVICES_HOME", os.path.expanduser("~/.cache/flotilla-services"))
READY = {"oci": "/v2/", "pypi": "/health", "npm": "/-/ping"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url, timeout=1.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status < 500
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False


class Service:
    """One server: its port stays the same across restarts, so URLs in manifests stay valid."""

    def __init__(self, kind, root):
        self.kind = kind
        self.root = os.path.join(root, kind)
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def argv(self):
        data = os.path.join(self.root, "data")
        if self.kind == "oci":
            config = os.path.join(self.root, "config.yml")
            with open(config, "w", encoding="utf-8") as out:
                out.write(f"version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem: "
                          f"{{rootdirectory: '{data}'}}\n  delete: {{enabled: true}}\n"
                          f"http: {{addr: '127.0.0.1:{self.port}', secret: reliability}}\n")
            return [shutil.which("docker-registry") or "docker-registry", "serve", config]
        if self.kind == "pypi":
            return [os.path.join(HOME, "venv/bin/pypi-server"), "run", "-i", "127.0.0.1", "-p",
                    str(self.port), "-P", ".", "-a", ".", "--disable-fallback", data]
        config = os.path.join(self.root, "config.yaml")
        with open(config, "w", encoding="utf-8") as out:
            out.write(f"storage: '{data}'\nplugins: '{self.root}/plugins'\n"
                      f"auth: {{htpasswd: {{file: '{self.root}/htpasswd'}}}}\nuplinks: {{}}\n"
                      "packages:\n  '**': {access: $all, publish: $anonymous $authenticated, "
                      "unpublish: $anonymous $authenticated}\npublish: {allow_offline: true}\n"
                      f"max_body_size: 500mb\nlisten: '127.0.0.1:{self.port}'\n"
                      "log: {type: stdout, format: pretty, level: warn}\n")
        return [os.path.join(HOME, "verdaccio/node_modules/.bin/verdaccio"), "-c", config,
                "-l", f"127.0.0.1:{self.port}"]

    def start(self, fresh=True, wait=60):
        """Starts the server (with empty data unless fresh=False) and waits until it answers."""
        self.stop()
        if fresh and os.path.exists(self.root):
            shutil.rmtree(self.root)
        os.makedirs(os.path.join(self.root, "data"), exist_ok=True)
        log = open(os.path.join(self.root, "log"), "ab")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen(self.argv(), stdout=log, stderr=log,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + wait
        while not answers(self.url + READY[self.kind]):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} server exited at start; see {self.root}/log")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.kind} server did not answer in {wait} s")
            time.sleep(0.1)

    def signal(self, signum):
        """Sends a signal to the server's whole session (verdaccio and pypiserver fork)."""
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                pass

    def kill(self):
        self.signal(signal.SIGKILL)
        if self.process:
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.signal(signal.SIGCONT)
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


class Registries:
    """The three servers of one suite run."""

    def __init__(self, root):
        self.services = {kind: Service(kind, root) for kind in ("oci", "pypi", "npm")}

    def __getitem__(self, kind):
        return self.services[kind]

    def urls(self):
        return {kind: s.url for kind, s in self.services.items()}

    def start_fresh(self):
        for service in self.services.values():
            service.start(fresh=True)

    def stop(self):
        for service in self.services.values():
            service.stop()
