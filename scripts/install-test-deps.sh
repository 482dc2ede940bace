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

if [ "${#missing[@]}" -gt 0 ]; then
    "${SUDO[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends skopeo umoci openssl
fi

# Python projects with their own build files are built with `python3 -m build`: the tests
# (and flotilla's default interpreter) need the build frontend, and setuptools and wheel for
# builds without isolation. From PyPI, like any user's `pip install build`.
if ! python3 -c "import build, setuptools, wheel" >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check build setuptools wheel
fi
