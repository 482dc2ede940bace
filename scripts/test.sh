#!/usr/bin/env bash
# The whole test suite: the README's test command and what .ci/run calls. Installs the
# independent clients and the real registries the tests use, starts the registries on
# loopback (unless they already run), runs every test, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flotilla-target}"

bash scripts/install-test-deps.sh
bash scripts/install-services.sh
if ! bash scripts/services/status.sh all >/dev/null 2>&1; then
    bash scripts/services/start.sh all
    trap 'bash scripts/services/stop.sh all' EXIT
fi
set -a
# shellcheck disable=SC1091
. "${FLOTILLA_SERVICES_RUN:-/tmp/flotilla-services}/env"
set +a

# Every service is installed and running now: a test that finds one missing fails instead of
# skipping itself.
export FLOTILLA_TEST_REQUIRE_SERVICES=1
cargo test --workspace --locked "$@"
