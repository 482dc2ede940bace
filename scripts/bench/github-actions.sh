#!/usr/bin/env bash
# The GitHub Actions executor against the fake GitHub: a 200-repository train, every build a
# dispatched workflow run of 30 s (simulated by the fake) after a 300 ms dispatch latency.
# Prints flotilla's added wall time per run over the fake's own and the API calls per run.
#
# usage: [PROFILE=release|debug] scripts/bench/github-actions.sh [REPOS] [DISPATCH_MS] [RUN_SECS] [POLL_SECS]
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${PROFILE:-release}
flag=--release
[ "$profile" = release ] || { profile=debug; flag=; }
cargo build $flag --quiet -p flotilla -p flotilla-testkit --bin flotilla --bin bench-github-actions
target=$(realpath "${CARGO_TARGET_DIR:-target}")
"$target/$profile/bench-github-actions" "$target/$profile/flotilla" "${1:-200}" "${2:-300}" "${3:-30}" "${4:-1}"
