#!/usr/bin/env bash
# Stops the registries that start.sh started, by the pid each one recorded, and rewrites the env
# file. Data directories stay for inspection until the next start without KEEP_DATA=1.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() { echo "usage: stop.sh [registry|pypi|npm|all]..."; }
case "${1:-}" in -h | --help) usage; exit 0 ;; esac
select_services "$@"

stop_one() {
    local name="$1" pid waited=0
    if ! pid="$(running_pid "$name")"; then
        rm -f "$run/$name/pid" "$run/$name/started"
        log "$name not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    # Up to 10 s for a clean exit, then SIGKILL.
    while alive "$pid" && [ "$waited" -lt 100 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    if alive "$pid"; then
        log "$name (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$run/$name/pid" "$run/$name/started"
    log "$name stopped (pid $pid)"
}

lock_run_dir
for name in "${selected[@]}"; do
    stop_one "$name"
done
write_env
