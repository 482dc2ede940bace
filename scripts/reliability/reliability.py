#!/usr/bin/env python3
"""flotilla's reliability suite: crash trials, fault trials and `serve` crash trials against the
flotilla binary, real git repositories and the suite's own registries on loopback.
See docs/reliability.md for the targets and the measured results.

usage: scripts/reliability/reliability.py [short|long|crash|fault|serve] [options]

  short   the CI form: a few trials of each kind on the 12-repository fleet (bounded: ~3 min)
  long    the issue's form: 40 crash trials on a 36-repository fleet, every fault, 10 serve trials
  crash / fault / serve   one kind, with the options below

Exit status: 0 when every trial met its target, 1 when one did not (or with --report-only, 0
whatever the trials found, 1 only when the suite itself could not run), 2 on bad arguments.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from crash_trials import crash_trials, summary  # noqa: E402
from fault_trials import fault_trials  # noqa: E402
from serve_trials import serve_trials  # noqa: E402
from suite import Suite, write_json  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAULTS = ["registry-killed", "registry-sigstop", "remote-read-only", "deploy-read-only",
          "pypi-down"]
FORMS = {
    # A stalled registry is only bounded by flotilla's own per-attempt limits, so the short
    # form leaves SIGSTOP to the long one.
    # The short form keeps to faults that fail at once (a server that is down is retried for
    # about a minute before the step fails), so that it stays within about 3 minutes.
    "short": {"repos": 12, "crash": 3, "faults": ["remote-read-only", "deploy-read-only"],
              "serve": 2, "deliveries": 8, "hang_limit": 120},
    "long": {"repos": 36, "crash": 40, "faults": FAULTS, "serve": 10, "deliveries": 24,
             "hang_limit": 420},
}


def parse():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("form", choices=["short", "long", "crash", "fault", "serve"])
    parser.add_argument("--repos", type=int, help="repositories in the crash/fault fleet")
    parser.add_argument("--trials", type=int, help="crash trials (or serve trials)")
    parser.add_argument("--variant", choices=["pid", "group", "both"], default="both",
                        help="kill the flotilla process, its process group, or alternate")
    parser.add_argument("--faults", help=f"comma-separated, of: {','.join(FAULTS)}")
    parser.add_argument("--deliveries", type=int, help="deliveries per serve trial")
    parser.add_argument("--seed", type=int, default=None, help="random seed (printed)")
    parser.add_argument("--hang-limit", type=int,
                        help="seconds a flotilla command may take before it counts as a hang")
    parser.add_argument("--work", help="work directory (kept; default: a new temporary one)")
    parser.add_argument("--binary", help="flotilla binary (default: build with cargo, debug)")
    parser.add_argument("--registry-limits", metavar="READ,TOTAL",
                        help="registry_read_timeout_secs and registry_timeout_secs in the trial "
                             "fleet's settings (default: flotilla's defaults)")
    parser.add_argument("--report-only", action="store_true",
                        help="exit 0 even when a trial misses its target")
    args = parser.parse_args()
    form = FORMS.get(args.form, FORMS["short"] | {"crash": 0, "faults": [], "serve": 0})
    if args.form == "crash":
        form |= {"crash": args.trials or 10}
    elif args.form == "fault":
        form |= {"faults": FAULTS}
    elif args.form == "serve":
        form |= {"serve": args.trials or 3}
    elif args.trials is not None:
        form |= {"crash": args.trials}
    if args.repos:
        form["repos"] = args.repos
    if args.faults:
        unknown = set(args.faults.split(",")) - set(FAULTS)
        if unknown:
            parser.error(f"unknown fault(s): {', '.join(sorted(unknown))}")
        form["faults"] = args.faults.split(",")
    if args.deliveries:
        form["deliveries"] = args.deliveries
    if args.hang_limit:
        form["hang_limit"] = args.hang_limit
    form["settings"] = {}
    if args.registry_limits:
        try:
            read, total = (int(v) for v in args.registry_limits.split(","))
        except ValueError:
            parser.error("--registry-limits takes two whole numbers: READ,TOTAL")
        form["settings"] = {"registry_read_timeout_secs": read, "registry_timeout_secs": total}
    if form["repos"] < 12 and (form["crash"] or form["faults"]):
        parser.error("--repos must be at least 12 (the demo's fleet shape)")
    return args, form


def binary(args):
    if args.binary:
        return args.binary
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    subprocess.run(["cargo", "build", "--quiet", "-p", "flotilla"], cwd=ROOT, check=True)
    return os.path.join(target, "debug", "flotilla")


def knows_registry_limits(flotilla):
    schema = subprocess.run([flotilla, "schema"], capture_output=True, text=True, check=False)
    return "registry_timeout_secs" in schema.stdout


def commit_of():
    """HEAD, and the last commit that changed what the binary is built from."""
    def git(*args):
        return subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True,
                              check=False).stdout.strip()
    head = git("rev-parse", "--short", "HEAD")
    source = git("log", "-1", "--format=%h", "--", "crates", "Cargo.lock", "Cargo.toml")
    dirty = "+uncommitted changes" if git("status", "--porcelain", "--", "crates") else ""
    return f"{head} (crates at {source}{dirty})"


def main():
    args, form = parse()
    seed = args.seed if args.seed is not None else int(time.time())
    work = args.work or tempfile.mkdtemp(prefix="flotilla-reliability.")
    flotilla = binary(args)
    if args.form == "short" and not args.faults and knows_registry_limits(flotilla):
        # A binary that bounds registry calls gets the frozen registry too, with short limits.
        form["faults"] = form["faults"] + ["registry-sigstop"]
        form["settings"] = form["settings"] or {"registry_read_timeout_secs": 3,
                                                "registry_timeout_secs": 15}
    suite = Suite(work, flotilla, form["repos"], form["hang_limit"], form["settings"])
    variants = ["pid", "group"] if args.variant == "both" else [args.variant]
    # The worktree's commit says what the binary is only when the suite built it.
    commit = commit_of() + (" (binary given with --binary)" if args.binary else "")
    report = {"form": args.form, "commit": commit, "binary": flotilla, "seed": seed,
              "work": work, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "settings": form}
    suite.log(f"reliability {args.form}: seed {seed}, work {work}, binary {flotilla} "
              f"(commit {report['commit']})")
    began = time.monotonic()
    try:
        if form["crash"] or form["faults"]:
            suite.generate()
            suite.run_baseline()
            report["baseline_seconds"] = round(suite.baseline_seconds, 1)
            report["baseline_counts"] = suite.baseline["counts"]
        if form["crash"]:
            report["crash"] = crash_trials(suite, form["crash"], variants, seed)
            report["crash_summary"] = summary(report["crash"])
        if form["faults"]:
            report["fault"] = fault_trials(suite, form["faults"])
        if form["serve"]:
            report["serve"] = serve_trials(suite, form["deliveries"], form["serve"], seed)
    finally:
        suite.close()
    report["seconds"] = round(time.monotonic() - began, 1)
    write_json(os.path.join(work, "report.json"), report)
    met = print_summary(suite, report)
    if met and not args.work:
        # Nothing to look at: a temporary work directory goes; one that shows a miss stays.
        shutil.rmtree(work, ignore_errors=True)
    return 0 if met or args.report_only else 1


def print_summary(suite, report):
    met = True
    lines = [f"reliability {report['form']} at {report['commit']} ({report['seconds']} s, "
             f"seed {report['seed']}, binary {report['binary']})"]
    if "crash_summary" in report:
        s = report["crash_summary"]
        met &= s["met"]
        lines.append(f"crash trials: {s['identical']}/{s['trials']} identical to the "
                     f"uninterrupted run; more than it: {s['extra'] or 'nothing'}; "
                     f"less: {s['missing'] or 'nothing'}; temporary files left in image "
                     f"layouts: {s['litter']}")
    for trial in report.get("fault", []):
        met &= trial["met"]
        start = "hung" if trial["hung"] else f"exit {trial['start_exit']}"
        lines.append(f"{trial['trial']}: start {start}, "
                     f"{'identical' if trial['identical'] else 'DIFFERENT'} after resume"
                     + ("" if trial["identical"] else f" (counts {trial['count_delta']})"))
    if report.get("serve"):
        crashed = [t for t in report["serve"] if t["killed"]]
        for trial in report["serve"]:
            met &= trial["met"]
        lines.append(
            f"serve trials: {sum(t['met'] for t in crashed)}/{len(crashed)} with every "
            f"acknowledged delivery exactly once ({sum(t['acknowledged'] for t in crashed)} "
            f"acknowledged, {sum(t['not_processed'] for t in crashed)} not processed, "
            f"{sum(t['twice'] for t in crashed)} twice); uninterrupted run "
            f"{'met' if report['serve'][0]['met'] else 'MISSED'}")
    lines.append(f"targets {'met' if met else 'MISSED'}"
                 + ("" if met else f"; details in {report['work']}/report.json"))
    for line in lines:
        suite.log(line)
    return met


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
