#!/usr/bin/env bash
# The whole test suite: the README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flotilla-target}"
bash scripts/install-test-deps.sh
cargo test --workspace --locked "$@"
