# shellcheck shell=bash
# Shared by start.sh, stop.sh and status.sh; sourced, never run.
# Each service lives in $run/<name>/: pid, settings, log, its config and its data directory.

run="${FLOTILLA_SERVICES_RUN:-/tmp/flotilla-services}"
wait_secs="${FLOTILLA_SERVICES_WAIT:-30}"
all_services=(registry pypi npm)
case "$wait_secs" in
    '' | *[!0-9]*) printf 'error: FLOTILLA_SERVICES_WAIT must be a whole number of seconds\n' >&2; exit 2 ;;
esac

log() { printf '%s: %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Expands the command-line service names ("all" or none means every service) into $selected.
select_services() {
    selected=()
    if [ "$#" -eq 0 ]; then
        selected=("${all_services[@]}")
        return
    fi
    local name
    for name in "$@"; do
        case "$name" in
            all) selected=("${all_services[@]}") ;;
            registry | pypi | npm) selected+=("$name") ;;
            *) log "error: unknown service '$name'"; usage >&2; exit 2 ;;
        esac
    done
}

port_of() {
    local port
    case "$1" in
        registry) port="${FLOTILLA_REGISTRY_PORT:-5000}" ;;
        pypi) port="${FLOTILLA_PYPI_PORT:-8081}" ;;
        npm) port="${FLOTILLA_NPM_PORT:-4873}" ;;
    esac
    case "$port" in
        '' | *[!0-9]*) die "$1: port '$port' is not a number" ;;
    esac
    if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
        die "$1: port $port is out of range"
    fi
    printf '%s' "$port"
}

ready_path() {
    case "$1" in
        registry) printf '/v2/' ;;
        pypi) printf '/health' ;;
        npm) printf '/-/ping' ;;
    esac
}

# The kernel's start time of a process (field 22 of /proc/PID/stat, after the parenthesised
# name, which may hold spaces). Survives exec and process.title changes, unlike the command line.
start_time_of() {
    local stat fields
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    read -ra fields <<<"${stat##*) }"
    printf '%s' "${fields[19]}"
}

# True while PID is a live process. A zombie counts as gone: once detached, the servers are
# reaped by init, which may take its time, and kill -0 still succeeds on them until then.
alive() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [ "${stat%% *}" != Z ]
}

# Prints the pid of the service if the process recorded in its pid file is alive and is still
# the one start.sh launched (same start time, so a reused pid is not mistaken for it).
running_pid() {
    local dir="$run/$1" pid
    [ -f "$dir/pid" ] && [ -f "$dir/started" ] || return 1
    pid="$(cat "$dir/pid")"
    [ -n "$pid" ] && alive "$pid" || return 1
    [ "$(start_time_of "$pid")" = "$(cat "$dir/started")" ] || return 1
    printf '%s' "$pid"
}

recorded_port() { cat "$run/$1/port" 2>/dev/null || true; }

is_ready() {
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1$2" 2>/dev/null
}

# True if anything accepts connections on 127.0.0.1:PORT (whatever address it bound).
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Rewrites $run/env with one line per running service, so `set -a; . $run/env; set +a` or any
# KEY=VALUE reader picks up exactly the servers that are up.
write_env() {
    local tmp="$run/env.tmp.$$" name port
    mkdir -p "$run"
    : >"$tmp"
    for name in "${all_services[@]}"; do
        running_pid "$name" >/dev/null || continue
        port="$(recorded_port "$name")"
        case "$name" in
            registry) printf 'FLOTILLA_TEST_OCI_REGISTRY=127.0.0.1:%s\n' "$port" >>"$tmp" ;;
            pypi) printf 'FLOTILLA_TEST_PYPI_URL=http://127.0.0.1:%s\n' "$port" >>"$tmp" ;;
            npm) printf 'FLOTILLA_TEST_NPM_URL=http://127.0.0.1:%s\n' "$port" >>"$tmp" ;;
        esac
    done
    if [ -s "$tmp" ]; then
        mv "$tmp" "$run/env"
    else
        rm -f "$tmp" "$run/env"
    fi
}

# Serialises start.sh and stop.sh runs that share a run directory, so two concurrent starts
# cannot both launch a server and overwrite each other's pid file.
lock_run_dir() {
    mkdir -p "$run"
    exec 9>"$run/.lock"
    flock -w "$((wait_secs + 15))" 9 || die "another start.sh or stop.sh holds $run/.lock"
}
