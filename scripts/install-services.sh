#!/usr/bin/env bash
# Installs the real registries that flotilla's integration tests and demo run against
# (scripts/services/start.sh starts them) and the independent clients that check what flotilla
# published: Debian's docker-registry, skopeo, umoci, buildah and busybox-static; pypiserver,
# twine and build in a venv; verdaccio with npm. Safe to re-run, and quick when everything is
# already there: apt-get runs only for a missing tool, pip and npm only when their pinned inputs
# changed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
services="$here/services"
home="${FLOTILLA_SERVICES_HOME:-$HOME/.cache/flotilla-services}"
python="${FLOTILLA_SERVICES_PYTHON:-python3}"

log() { printf 'install-services: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
else
    sudo=(sudo)
fi

# Debian packages, keyed by the command each one provides.
# busybox-static makes a local base image for Dockerfiles with RUN, as no base can be pulled.
declare -A debs=([docker-registry]=docker-registry [skopeo]=skopeo [umoci]=umoci [buildah]=buildah
    [busybox]=busybox-static)
missing=()
for tool in "${!debs[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("${debs[$tool]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi
# The package also installs a system service with the htpasswd-protected default config; we
# only ever run the binary with our own config, so keep that service from holding port 5000.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
    "${sudo[@]}" systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

mkdir -p "$home"

# A stamp holds the inputs of the last successful install, so an unchanged re-run skips pip/npm
# and an interrupted one does not.
stamp_matches() { [ -f "$1" ] && cmp -s "$1" - ; }

venv="$home/venv"
requirements="$services/requirements.txt"
install_python() {
    if [ -x "$venv/bin/pypi-server" ] && stamp_matches "$venv/.flotilla-stamp" <"$requirements"; then
        return 0
    fi
    command -v "$python" >/dev/null 2>&1 || die "$python not found; set FLOTILLA_SERVICES_PYTHON to a Python 3 interpreter"
    if [ ! -x "$venv/bin/python" ]; then
        log "creating venv $venv"
        "$python" -m venv "$venv" || die "could not create a venv with $python (Debian: apt-get install python3-venv)"
    fi
    log "installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" \
        || die "pip could not install $requirements into $venv"
    cp "$requirements" "$venv/.flotilla-stamp"
}

npm_dir="$home/verdaccio"
install_verdaccio() {
    local inputs=("$services/verdaccio/package.json" "$services/verdaccio/package-lock.json")
    if [ -x "$npm_dir/node_modules/.bin/verdaccio" ] \
        && cat "${inputs[@]}" | stamp_matches "$npm_dir/.flotilla-stamp"; then
        return 0
    fi
    command -v npm >/dev/null 2>&1 || die "npm not found; install Node.js 20 or later with npm"
    log "installing verdaccio into $npm_dir"
    mkdir -p "$npm_dir"
    rm -f "$npm_dir/.flotilla-stamp"
    cp "${inputs[@]}" "$npm_dir/"
    # The lockfile pins the whole tree, including the node-fetch override that keeps verdaccio
    # 6.8 working on Node 20.
    (cd "$npm_dir" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null) \
        || die "npm ci failed in $npm_dir"
    cat "${inputs[@]}" >"$npm_dir/.flotilla-stamp"
}

# pip and npm both wait on downloads: run them side by side.
install_python &
python_job=$!
install_verdaccio
wait "$python_job" || die "the Python install failed (see above)"

log "ready: docker-registry $(dpkg-query -W -f='${Version}' docker-registry 2>/dev/null || echo '?')," \
    "pypiserver $("$venv/bin/pypi-server" --version 2>/dev/null || echo '?')," \
    "verdaccio $(node -p "require('$npm_dir/node_modules/verdaccio/package.json').version" 2>/dev/null || echo '?')"
