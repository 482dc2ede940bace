"""Crash trials: `release start` killed with SIGKILL at a random moment (the process alone, or
its whole process group: the builds and git pushes it runs die with it), then `release resume`
until it ends; the end state must equal the uninterrupted run's, with nothing duplicated."""

import os
import random
import signal
import time

from suite import LINE, kill_group


def crash_trial(suite, index, variant, rng):
    name = f"crash-{index:02d}-{variant}"
    suite.fresh()
    log_name = f"{name}.log"
    # Anywhere in the uninterrupted run's duration: early (before the train is recorded),
    # mid-wave, during publishing or deploying, or after the end.
    delay = rng.uniform(0.0, suite.baseline_seconds)
    process = suite.spawn("release", "start", LINE, log_name=log_name)
    began = time.monotonic()
    killed = False
    while time.monotonic() - began < delay:
        if process.poll() is not None:
            break
        time.sleep(0.01)
    if process.poll() is None:
        if variant == "group":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            os.kill(process.pid, signal.SIGKILL)
        killed = True
    process.wait()
    resumes = suite.resume_until_done(log_name)
    # Whatever the killed process left running in its group (the pid variant orphans its
    # children) is ours to end before the next trial.
    kill_group(process)
    state = suite.capture()
    identical, diff, delta = suite.compare(state, name)
    kept = None if identical else suite.keep(name)
    result = {
        "trial": name, "variant": variant, "kill_after_s": round(delay, 2), "killed": killed,
        "resumes": resumes, "identical": identical, "count_delta": delta,
        "diff": diff[:400], "diff_lines": len(diff), "kept": kept,
        "litter": state.get("litter", []),
    }
    last = resumes[-1] if resumes else {}
    suite.log(f"{name}: kill at {delay:.2f} s ({'killed' if killed else 'had ended'}), "
              f"{len(resumes)} resume(s), last exit {last.get('exit')}: "
              f"{'IDENTICAL' if identical else 'DIFFERENT'}"
              + ("" if identical else f" ({len(diff)} diff lines, counts {delta})")
              + (f"; left {len(result['litter'])} temporary file(s)" if result["litter"] else ""))
    return result


def crash_trials(suite, count, variants, seed):
    rng = random.Random(seed)
    results = []
    for index in range(1, count + 1):
        variant = variants[(index - 1) % len(variants)]
        results.append(crash_trial(suite, index, variant, rng))
    return results


def summary(results):
    identical = sum(1 for r in results if r["identical"])
    totals = {}
    for r in results:
        for key, value in r["count_delta"].items():
            totals[key] = totals.get(key, 0) + value
    dupes = {k: v for k, v in totals.items() if v > 0}
    missing = {k: -v for k, v in totals.items() if v < 0}
    return {"trials": len(results), "identical": identical, "extra": dupes, "missing": missing,
            "litter": sum(len(r.get("litter", [])) for r in results),
            "met": identical == len(results)}
