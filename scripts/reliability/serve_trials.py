"""`serve` crash trials: `flotilla serve` gets a burst of signed GitHub push deliveries (one
per repository, sent concurrently), is killed with SIGKILL at a random moment, and restarted;
every delivery it acknowledged (2xx) must end persisted and processed exactly once: one push
train, one dev image tag and one dev deployment for its repository, none twice."""

import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid

import endstate
import fleet
from services import answers, free_port

SECRET = "reliability-hook-secret"
API_TOKEN = "reliability-api-token"
STATUSES = ("received", "processed", "ignored", "failed")


class ServeTrials:
    def __init__(self, suite, deliveries):
        self.suite = suite
        self.count = deliveries
        self.template = os.path.join(suite.work, "serve-template")
        self.fleet = os.path.join(suite.work, "serve-fleet")
        self.repos = None
        self.heads = {}
        self.port = free_port()
        self.process = None
        self.calibration_seconds = None

    def generate(self):
        if os.path.exists(self.template):
            shutil.rmtree(self.template)
        self.repos = fleet.generate(self.template, self.count, {}, kinds="plugins",
                                    environments=("dev",))
        for repo in self.repos:
            bare = os.path.join(self.template, "remotes", repo.name + ".git")
            self.heads[repo.name] = endstate.run(["git", "-C", bare, "rev-parse", "master"]).stdout.strip()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self, log_name):
        env = self.suite.env()
        env.update(FLOTILLA_HOOK_SECRET=SECRET, FLOTILLA_API_TOKEN=API_TOKEN,
                   FLOTILLA_REGISTRY_TOKEN="reliability-registry-token")
        out = open(os.path.join(self.suite.work, log_name), "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [self.suite.binary, "-f", os.path.join(self.fleet, "flotilla.yaml"), "serve",
             "--listen", f"127.0.0.1:{self.port}"],
            cwd=self.fleet, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            start_new_session=True)
        out.close()
        deadline = time.monotonic() + 60
        while not answers(self.url("/healthz")):
            if self.process.poll() is not None:
                raise RuntimeError(f"flotilla serve exited at start; see {log_name}")
            if time.monotonic() > deadline:
                raise RuntimeError("flotilla serve did not answer /healthz in 60 s")
            time.sleep(0.05)

    def kill(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process:
            # What it started (builds, git) goes with it.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def deliver(self, repo, results, index):
        body = json.dumps({
            "ref": "refs/heads/master", "before": "0" * 40, "after": self.heads[repo],
            "repository": {"name": repo, "full_name": f"reliability/{repo}"},
        }).encode()
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        delivery = str(uuid.uuid4())
        request = urllib.request.Request(self.url("/hooks/git"), data=body, method="POST", headers={
            "Content-Type": "application/json", "X-GitHub-Event": "push",
            "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": signature})
        entry = {"repo": repo, "delivery": delivery, "status": None, "answer": None}
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                entry["status"] = response.status
                entry["answer"] = json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            entry["status"] = err.code
        except Exception as err:  # noqa: BLE001 - no answer: not acknowledged
            entry["answer"] = f"no answer: {err}"
        results[index] = entry

    def burst(self):
        results = [None] * len(self.repos)
        threads = [threading.Thread(target=self.deliver, args=(r.name, results, i))
                   for i, r in enumerate(self.repos)]
        for thread in threads:
            thread.start()
        return threads, results

    def api(self, path):
        request = urllib.request.Request(self.url("/api/v1" + path),
                                         headers={"Authorization": f"Bearer {API_TOKEN}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def events(self):
        return [e for s in STATUSES for e in self.api(f"/events?status={s}&limit=10000")]

    def settle(self):
        """Waits (bounded) until the server has handled every stored event; False on a hang."""
        deadline = time.monotonic() + self.suite.hang_limit
        while time.monotonic() < deadline:
            if not self.api("/events?status=received&limit=1"):
                return True
            time.sleep(0.2)
        return False

    def run(self, name, kill_after=None):
        if os.path.exists(self.fleet):
            shutil.rmtree(self.fleet)
        fleet.copy(self.template, self.fleet)
        log_name = f"{name}.log"
        self.start(log_name)
        began = time.monotonic()
        threads, results = self.burst()
        killed = False
        if kill_after is not None:
            while time.monotonic() - began < kill_after:
                time.sleep(0.005)
            self.kill()
            killed = True
        for thread in threads:
            thread.join()
        if killed:
            self.start(log_name)
        settled = self.settle()
        seconds = time.monotonic() - began
        events = self.events()
        self.stop()
        result = self.judge(name, results, events, settled, killed, kill_after, seconds)
        if not result["met"]:
            result["kept"] = self.suite.keep_dir(self.fleet, name)
        return result

    def judge(self, name, results, events, settled, killed, kill_after, seconds):
        by_delivery = {}
        for event in events:
            by_delivery.setdefault(event["delivery_id"].rsplit(":", 1)[0], []).append(event)
        trains = endstate.flotilla_json(self.suite.binary, self.fleet, "release", "list",
                                        "--limit", "10000") or []
        layout = endstate.layouts_state(os.path.join(self.fleet, ".flotilla/artifacts/oci"),
                                        endstate.Names())
        rows = []
        for entry in results:
            repo = next(r for r in self.repos if r.name == entry["repo"])
            repo_trains = [t for t in trains if t.get("kind") == "push"
                           and str(t.get("version", "")).startswith(repo.name + "@")]
            image = layout.get(f"spaceone-dev/{repo.image_name()}", {"tags": {}})
            dev_tags = [t for t in image["tags"] if t != "latest"]
            history = endstate.flotilla_json(self.suite.binary, self.fleet, "deploy", "history",
                                             repo.name, "--env", "dev", "--limit", "1000") or []
            deployed = [d for d in history if d.get("status") == "succeeded"]
            stored = by_delivery.get(entry["delivery"], [])
            acked = entry["status"] is not None and 200 <= entry["status"] < 300
            once = (len(stored) == 1 and stored[0]["status"] == "processed"
                    and len(repo_trains) == 1 and repo_trains[0].get("status") == "succeeded"
                    and len(dev_tags) == 1 and len(deployed) == 1)
            twice = len(stored) > 1 or len(repo_trains) > 1 or len(dev_tags) > 1 or len(deployed) > 1
            failures = []
            for train in repo_trains:
                if train.get("status") != "succeeded":
                    status = endstate.flotilla_json(self.suite.binary, self.fleet, "release",
                                                    "status", train["id"]) or {}
                    failures += [f"{r.get('last_step')}: {r.get('error')}"
                                 for r in status.get("runs") or [] if r.get("error")]
            rows.append({
                "repo": repo.name, "http": entry["status"], "acked": acked, "failures": failures,
                "events": [{"status": e["status"], "error": e.get("error")} for e in stored],
                "trains": [t.get("status") for t in repo_trains], "dev_tags": len(dev_tags),
                "dev_deployments": len(deployed), "once": once, "twice": twice,
            })
        acked = [r for r in rows if r["acked"]]
        missed = [r for r in acked if not r["once"] and not r["twice"]]
        twice = [r for r in rows if r["twice"]]
        result = {
            "trial": name, "killed": killed,
            "kill_after_s": None if kill_after is None else round(kill_after, 2),
            "deliveries": len(rows), "acknowledged": len(acked),
            "exactly_once": sum(1 for r in acked if r["once"]), "not_processed": len(missed),
            "twice": len(twice), "settled": settled, "seconds": round(seconds, 1),
            "met": settled and not missed and not twice,
            "problems": [r for r in rows if (r["acked"] and not r["once"]) or r["twice"]][:20],
        }
        problems = "; ".join(
            f"{r['repo']}: events {[e['status'] for e in r['events']]}, trains {r['trains']}, "
            f"{r['dev_tags']} dev tag(s), {r['dev_deployments']} deployment(s)"
            + (f" ({r['events'][-1]['error'][:160]})" if r['events'] and r['events'][-1]['error'] else "")
            + (f" [{r['failures'][0][:400]}]" if r["failures"] else "")
            for r in result["problems"][:3])
        self.suite.log(
            f"{name}: {'kill -9 at %.2f s, ' % kill_after if killed else ''}{len(acked)}/{len(rows)} "
            f"acknowledged, {result['exactly_once']} exactly once, {len(missed)} not processed, "
            f"{len(twice)} twice{'' if settled else ', NOT SETTLED (hang)'}"
            + (f" — {problems}" if problems else ""))
        return result


def serve_trials(suite, deliveries, count, seed):
    trials = ServeTrials(suite, deliveries)
    trials.generate()
    calibration = trials.run("serve-uninterrupted")
    trials.calibration_seconds = calibration["seconds"]
    rng = random.Random(seed)
    results = [calibration]
    for index in range(1, count + 1):
        results.append(trials.run(f"serve-crash-{index:02d}",
                                  kill_after=rng.uniform(0.0, trials.calibration_seconds)))
    return results
