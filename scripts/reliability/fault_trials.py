"""Fault trials: a fault is injected before `release start` (a registry killed or frozen with
SIGSTOP, a git remote or the deploy repository refusing pushes, the PyPI server down); the
train must fail with an error that names it, and after the fault is removed `release resume`
must end where the uninterrupted run ended."""

import os
import signal

from suite import LINE

REFUSE_HOOK = "#!/bin/sh\necho 'reliability trial: this repository refuses pushes' >&2\nexit 1\n"


def install_refusal(bare):
    # A pre-receive hook, not chmod: CI runs as root, and root writes through permissions.
    hook = os.path.join(bare, "hooks", "pre-receive")
    with open(hook, "w", encoding="utf-8") as out:
        out.write(REFUSE_HOOK)
    os.chmod(hook, 0o755)


def remove_refusal(bare):
    os.remove(os.path.join(bare, "hooks", "pre-receive"))


def faults(suite):
    """name -> (inject, remove). Each runs against the suite's own servers and fleet copy."""
    remote = os.path.join(suite.fleet, "remotes", "identity.git")
    deploy = os.path.join(suite.fleet, "remotes", "deploy.git")
    oci, pypi = suite.registries["oci"], suite.registries["pypi"]
    return {
        "registry-killed": (oci.kill, lambda: oci.start(fresh=False)),
        "registry-sigstop": (lambda: oci.signal(signal.SIGSTOP),
                             lambda: oci.signal(signal.SIGCONT)),
        "remote-read-only": (lambda: install_refusal(remote), lambda: remove_refusal(remote)),
        "deploy-read-only": (lambda: install_refusal(deploy), lambda: remove_refusal(deploy)),
        "pypi-down": (pypi.kill, lambda: pypi.start(fresh=False)),
    }


def fault_trial(suite, fault):
    name = f"fault-{fault}"
    suite.fresh()
    inject, remove = faults(suite)[fault]
    log_name = f"{name}.log"
    inject()
    code, seconds, tail = suite.flotilla("release", "start", LINE, log_name=log_name)
    remove()
    resumes = suite.resume_until_done(log_name)
    state = suite.capture()
    identical, diff, delta = suite.compare(state, name)
    kept = None if identical else suite.keep(name)
    failed_clearly = code == 1
    result = {
        "trial": name, "start_exit": code, "hung": code is None, "start_seconds": round(seconds, 1),
        "start_tail": tail, "failed": failed_clearly, "resumes": resumes, "identical": identical,
        "count_delta": delta, "diff": diff[:400], "diff_lines": len(diff), "kept": kept,
        "recovered_attempts": sum(len(a) for a in state["store"]["recovered_attempts"].values()),
        "met": failed_clearly and identical,
    }
    suite.log(f"{name}: start {'HUNG (killed after the limit)' if code is None else 'exit ' + str(code)}"
              f" in {seconds:.1f} s; after {len(resumes)} resume(s) "
              f"{'IDENTICAL' if identical else 'DIFFERENT'}"
              + ("" if identical else f" ({len(diff)} diff lines, counts {delta})")
              + (f"; {result['recovered_attempts']} refused deployment(s) recorded as failed, "
                 "then made good" if result["recovered_attempts"] else ""))
    if tail:
        suite.log(f"  first failure it reported: {tail[0][:300]}")
    return result


def fault_trials(suite, names):
    return [fault_trial(suite, name) for name in names]
