"""What every trial shares: a work directory, the flotilla binary, the suite's own registries,
the fresh fleet every trial copies, running flotilla with a time bound, and comparing an end
state with the uninterrupted run's."""

import difflib
import json
import os
import shutil
import signal
import subprocess
import time

import endstate
import fleet
from services import Registries

LINE = "1.0.0"


class Suite:
    def __init__(self, work, binary, repos, hang_limit, settings=None):
        self.work = os.path.abspath(work)
        self.binary = os.path.abspath(binary)
        self.count = repos
        self.hang_limit = hang_limit
        self.settings = settings or {}
        os.makedirs(self.work, exist_ok=True)
        self.registries = Registries(os.path.join(self.work, "registries"))
        self.template = os.path.join(self.work, "template")
        # Every run happens at the same path: the remote URL is an image label, so a run
        # elsewhere would publish other bytes.
        self.fleet = os.path.join(self.work, "fleet")
        self.repos = None
        self.baseline = None
        self.baseline_seconds = None

    def log(self, text):
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)

    def generate(self):
        if os.path.exists(self.template):
            shutil.rmtree(self.template)
        self.repos = fleet.generate(self.template, self.count, self.registries.urls(),
                                    settings=self.settings)

    def fresh(self):
        """Empty registries and a fresh copy of the fleet at self.fleet."""
        self.registries.start_fresh()
        fleet.copy(self.template, self.fleet)

    def env(self):
        env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")
        env.pop("FLOTILLA_MANIFEST", None)
        env.pop("GIT_DIR", None)
        return env

    def argv(self, *args):
        return [self.binary, "-f", os.path.join(self.fleet, "flotilla.yaml"), *args]

    def spawn(self, *args, log_name):
        """Starts flotilla in its own process group (so a group kill spares this script)."""
        out = open(os.path.join(self.work, log_name), "ab")  # noqa: SIM115 - owned by the child
        process = subprocess.Popen(self.argv(*args), cwd=self.fleet, env=self.env(),
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                   start_new_session=True)
        out.close()
        return process

    def wait(self, process):
        """Waits up to the hang limit; a process still running then is killed and counted a hang."""
        try:
            return process.wait(timeout=self.hang_limit), False
        except subprocess.TimeoutExpired:
            kill_group(process)
            return process.wait(), True

    def flotilla(self, *args, log_name):
        """Runs flotilla to its end: (exit code or None on a hang, seconds, output lines: the
        first that reports a failure, then the last ones)."""
        path = os.path.join(self.work, log_name)
        start = os.path.getsize(path) if os.path.exists(path) else 0
        began = time.monotonic()
        code, hung = self.wait(self.spawn(*args, log_name=log_name))
        with open(path, "rb") as log:
            log.seek(start)
            lines = log.read().decode("utf-8", "replace").strip().splitlines()
        failures = ([line for line in lines if ": failed: " in line]
                    or [line for line in lines if line.startswith("error")])
        tail = failures[:1] + lines[-8:]
        return (None if hung else code), time.monotonic() - began, tail

    def trains(self):
        return endstate.flotilla_json(self.binary, self.fleet, "release", "list",
                                      "--limit", "10000") or []

    def resume_until_done(self, log_name, attempts=3):
        """`release resume` until it exits 0 (at most `attempts` times); a crash before the
        train was recorded leaves nothing to resume, so the user starts it again instead."""
        outcomes = []
        for _ in range(attempts):
            if not self.trains():
                code, seconds, tail = self.flotilla("release", "start", LINE, log_name=log_name)
                outcomes.append({"command": "start", "exit": code, "seconds": round(seconds, 1),
                                 "tail": tail})
            else:
                code, seconds, tail = self.flotilla("release", "resume", log_name=log_name)
                outcomes.append({"command": "resume", "exit": code, "seconds": round(seconds, 1),
                                 "tail": tail})
            if code == 0:
                break
        return outcomes

    def capture(self):
        return endstate.capture(self.binary, self.fleet, self.repos, self.registries)

    def run_baseline(self):
        self.fresh()
        code, seconds, tail = self.flotilla("release", "start", LINE, log_name="baseline.log")
        if code != 0:
            raise RuntimeError(f"the uninterrupted release start exited {code}: {tail}")
        self.baseline = self.capture()
        self.baseline_seconds = seconds
        write_json(os.path.join(self.work, "baseline.json"), self.baseline)
        self.log(f"baseline: release start of {self.count} repositories in {seconds:.1f} s; "
                 f"counts {json.dumps(self.baseline['counts'])}")

    def compare(self, state, name):
        """(identical, diff lines, count differences) against the uninterrupted run."""
        write_json(os.path.join(self.work, f"{name}.json"), state)
        aside = ("counts", "litter")
        left = {k: v for k, v in self.baseline.items() if k not in aside}
        right = {k: v for k, v in state.items() if k not in aside}
        # Failed attempts that a later deployment of the same digest made good are history,
        # not effects; they are reported with the trial, never compared.
        for side in (left, right):
            side["store"] = {k: v for k, v in side["store"].items() if k != "recovered_attempts"}
        diff = list(difflib.unified_diff(pretty(left), pretty(right), "uninterrupted", name,
                                         n=2, lineterm=""))
        delta = {k: state["counts"][k] - v for k, v in self.baseline["counts"].items()
                 if state["counts"].get(k, 0) != v}
        return not diff and not delta, diff, delta

    def keep(self, name):
        """Moves the run's fleet aside for inspection."""
        return self.keep_dir(self.fleet, name)

    def keep_dir(self, path, name):
        """Moves PATH aside, as kept/NAME, for inspection."""
        kept = os.path.join(self.work, "kept", name)
        if os.path.exists(kept):
            shutil.rmtree(kept)
        os.makedirs(os.path.dirname(kept), exist_ok=True)
        shutil.move(path, kept)
        return kept

    def close(self):
        self.registries.stop()


def kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def pretty(value):
    return json.dumps(value, indent=1, sort_keys=True).splitlines()


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as out:
        json.dump(value, out, indent=1, sort_keys=True)
