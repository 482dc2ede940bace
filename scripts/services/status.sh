#!/usr/bin/env bash
# Tells whether each registry is running and answering its ready endpoint.
# Exit status 0 when every service asked about is running and ready, 1 otherwise.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() { echo "usage: status.sh [registry|pypi|npm|all]..."; }
case "${1:-}" in -h | --help) usage; exit 0 ;; esac
select_services "$@"

status=0
for name in "${selected[@]}"; do
    if pid="$(running_pid "$name")"; then
        port="$(recorded_port "$name")"
        if is_ready "$port" "$(ready_path "$name")"; then
            state=ready
        else
            state="running, not answering GET $(ready_path "$name")"
            status=1
        fi
        printf '%-8s %s  pid %s  http://127.0.0.1:%s  data %s\n' "$name" "$state" "$pid" "$port" "$run/$name/data"
    else
        printf '%-8s stopped\n' "$name"
        status=1
    fi
done
[ ! -f "$run/env" ] || printf 'env file: %s\n' "$run/env"
exit "$status"
