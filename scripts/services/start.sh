#!/usr/bin/env bash
# Starts real registries on 127.0.0.1 for flotilla's integration tests and demo, each in the
# background with its own pid, log and data directory under $FLOTILLA_SERVICES_RUN, then writes
# $FLOTILLA_SERVICES_RUN/env. A service already running with the same settings is left alone.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'EOF'
usage: start.sh [--notify-url URL] [--notify-token TOKEN] [registry|pypi|npm|all]...

Ports: FLOTILLA_REGISTRY_PORT (5000), FLOTILLA_PYPI_PORT (8081), FLOTILLA_NPM_PORT (4873).
KEEP_DATA=1 keeps the data of the previous run instead of starting empty.
--notify-url / FLOTILLA_REGISTRY_NOTIFY_URL: the OCI registry POSTs its events there, with
  "Authorization: Bearer TOKEN" when --notify-token / FLOTILLA_REGISTRY_NOTIFY_TOKEN is set.
EOF
}

home="${FLOTILLA_SERVICES_HOME:-$HOME/.cache/flotilla-services}"
notify_url="${FLOTILLA_REGISTRY_NOTIFY_URL:-}"
notify_token="${FLOTILLA_REGISTRY_NOTIFY_TOKEN:-}"
names=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --notify-url) [ "$#" -ge 2 ] || die "--notify-url needs a URL"; notify_url="$2"; shift 2 ;;
        --notify-token) [ "$#" -ge 2 ] || die "--notify-token needs a value"; notify_token="$2"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        -*) log "error: unknown option '$1'"; usage >&2; exit 2 ;;
        *) names+=("$1"); shift ;;
    esac
done
select_services "${names[@]+"${names[@]}"}"

case "$notify_url" in
    '' | http://* | https://*) ;;
    *) die "--notify-url must be an http:// or https:// URL, got '$notify_url'" ;;
esac
case "$notify_token" in
    *[[:space:]]*) die "--notify-token must not contain whitespace" ;;
esac
[ -z "$notify_token" ] || [ -n "$notify_url" ] || die "--notify-token given without --notify-url"

# A YAML single-quoted scalar: only ' needs escaping, by doubling it.
yaml_quote() { printf "'%s'" "${1//\'/\'\'}"; }

write_registry_config() {
    local dir="$1" port="$2" secret
    secret="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    {
        cat <<EOF
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $(yaml_quote "$dir/data")
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$port
  secret: $secret
  headers:
    X-Content-Type-Options: [nosniff]
EOF
        if [ -n "$notify_url" ]; then
            cat <<EOF
notifications:
  events:
    includereferences: true
  endpoints:
    - name: flotilla
      url: $(yaml_quote "$notify_url")
      timeout: 2s
      threshold: 5
      backoff: 1s
EOF
            if [ -n "$notify_token" ]; then
                cat <<EOF
      headers:
        Authorization: [$(yaml_quote "Bearer $notify_token")]
EOF
            fi
        fi
    } >"$dir/config.yml"
}

write_npm_config() {
    local dir="$1" port="$2"
    cat >"$dir/config.yaml" <<EOF
storage: $(yaml_quote "$dir/data")
plugins: $(yaml_quote "$dir/plugins")
auth:
  htpasswd:
    file: $(yaml_quote "$dir/htpasswd")
uplinks: {}
packages:
  '**':
    access: \$all
    publish: \$anonymous \$authenticated
    unpublish: \$anonymous \$authenticated
publish:
  allow_offline: true
max_body_size: 500mb
listen: 127.0.0.1:$port
log: {type: stdout, format: pretty, level: http}
EOF
}

# Fills $cmd with the server's argv and writes its config; fails if the server is not installed.
prepare() {
    local name="$1" dir="$2" port="$3" bin
    case "$name" in
        registry)
            bin="$(command -v docker-registry)" || die "docker-registry not found; run scripts/install-services.sh"
            write_registry_config "$dir" "$port"
            cmd=("$bin" serve "$dir/config.yml")
            ;;
        pypi)
            bin="$home/venv/bin/pypi-server"
            [ -x "$bin" ] || die "$bin not found; run scripts/install-services.sh"
            # Without -o a second upload of the same file is refused with 409, as on pypi.org;
            # --disable-fallback keeps a missing package a 404 instead of a redirect to pypi.org.
            cmd=("$bin" run -i 127.0.0.1 -p "$port" -P . -a . --disable-fallback "$dir/data")
            ;;
        npm)
            bin="$home/verdaccio/node_modules/.bin/verdaccio"
            [ -x "$bin" ] || die "$bin not found; run scripts/install-services.sh"
            write_npm_config "$dir" "$port"
            cmd=("$bin" -c "$dir/config.yaml" -l "127.0.0.1:$port")
            ;;
    esac
}

start_one() {
    local name="$1" dir="$run/$1" port settings pid launcher started deadline path
    port="$(port_of "$name")"
    path="$(ready_path "$name")"
    settings="port=$port"
    if [ "$name" = registry ]; then
        settings="$settings notify=$notify_url token-sha256=$(printf '%s' "$notify_token" | sha256sum | cut -c1-16)"
    fi

    if pid="$(running_pid "$name")"; then
        if [ "$(cat "$dir/settings" 2>/dev/null)" != "$settings" ]; then
            local why="its registry notification settings differ"
            [ "$(recorded_port "$name")" = "$port" ] || why="port $port was asked for"
            die "$name is already running (pid $pid, port $(recorded_port "$name")) but $why; run scripts/services/stop.sh $name first"
        fi
        log "$name already running: pid $pid, http://127.0.0.1:$port"
        return 0
    fi

    if port_in_use "$port"; then
        log "error: $name: port $port on 127.0.0.1 is already taken by another process:"
        ss -ltnpH "sport = :$port" 2>/dev/null | sed 's/^/  /' >&2 || true
        die "stop that process or choose another port (FLOTILLA_$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')_PORT)"
    fi

    mkdir -p "$dir"
    rm -f "$dir/pid" "$dir/started"
    if [ "${KEEP_DATA:-0}" != 1 ]; then
        rm -rf "$dir/data"
    fi
    mkdir -p "$dir/data" "$dir/plugins"
    prepare "$name" "$dir" "$port"
    chmod 600 "$dir"/config.y*ml 2>/dev/null || true

    started="$(date +%s.%N)"
    # The child records its own pid and then execs the server, so the pid file holds the
    # server's pid whatever setsid does; setsid detaches it from the caller's process group.
    # shellcheck disable=SC2016 # $$ and $@ belong to the child shell.
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$dir/pid" "${cmd[@]}" \
        >"$dir/log" 2>&1 </dev/null 9>&- &
    launcher=$!
    for _ in $(seq 50); do
        [ -s "$dir/pid" ] && break
        sleep 0.1
    done
    pid="$(cat "$dir/pid" 2>/dev/null || true)"
    if [ -z "$pid" ]; then
        kill "$launcher" 2>/dev/null || true
        die "$name: the server process did not start within 5s; see $dir/log"
    fi
    deadline=$((SECONDS + wait_secs))
    while :; do
        if ! alive "$pid"; then
            log "error: $name exited during start-up; last lines of $dir/log:"
            tail -n 20 "$dir/log" | sed 's/^/  /' >&2
            rm -f "$dir/pid"
            exit 1
        fi
        if is_ready "$port" "$path"; then
            break
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            kill "$pid" 2>/dev/null || true
            rm -f "$dir/pid"
            log "error: $name did not answer GET http://127.0.0.1:$port$path within ${wait_secs}s (FLOTILLA_SERVICES_WAIT); last lines of $dir/log:"
            tail -n 20 "$dir/log" | sed 's/^/  /' >&2
            exit 1
        fi
        sleep 0.1
    done
    printf '%s\n' "$port" >"$dir/port"
    start_time_of "$pid" >"$dir/started"
    printf '%s\n' "$settings" >"$dir/settings.tmp"
    mv "$dir/settings.tmp" "$dir/settings"
    log "$name started: pid $pid, http://127.0.0.1:$port, ready in $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN{printf "%.2f", e-s}')s, log $dir/log"
}

lock_run_dir
status=0
for name in "${selected[@]}"; do
    # Each service in a subshell so one failure still leaves the others started and the env
    # file written for them. Not `(...) || status=1`: errexit is off inside such a subshell.
    set +e
    (
        set -e
        start_one "$name"
    )
    # shellcheck disable=SC2181 # testing the subshell directly would switch errexit off in it
    [ "$?" -eq 0 ] || status=1
    set -e
done
write_env
if [ -f "$run/env" ]; then
    log "env file $run/env:"
    sed 's/^/  /' "$run/env" >&2
fi
exit "$status"
