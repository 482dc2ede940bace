#!/usr/bin/env bash
# Push-to-deploy latency: a docker-registry of its own notifies `flotilla serve` (release build)
# on loopback; each push of a new master-build tag must become a commit in a bare GitOps deploy
# repository. Measured per push, from the registry's manifest PUT (start of the request, from
# the registry's own log) to the deployment's finished_at (recorded after the deploy commit was
# pushed), with the parts in between. Pushes run one after another: each waits for its commit,
# so the figure is latency, not queueing. See docs/benchmarks.md, "Continuous deployment:
# push-to-deploy latency".
#
# usage: scripts/bench-deploy.sh [--pushes N] [--max-seconds S] [--dir DIR] [--no-build]
#
#   --pushes N        measured pushes (default 100, at most 5000), after one warm-up push
#   --max-seconds S   stop pushing after S seconds and report what was measured (default 600)
#   --dir DIR         work directory, kept (default: a new temporary directory, removed)
#   --no-build        use the existing binary instead of `cargo build --release -p flotilla`
#
# Environment: CARGO_TARGET_DIR (binary at $CARGO_TARGET_DIR/release/flotilla), FLOTILLA (the
# binary, overrides), PUSH_TIMEOUT (default 30: seconds one push may take to be deployed),
# LOAD_MAX (default 1.5: before measuring, wait until the 1-minute load average is at most
# this), LOAD_WAIT (default 600: give up waiting after these seconds, and say so).
# Needs docker-registry, umoci, skopeo, git, curl, python3 (scripts/install-services.sh).
set -euo pipefail

pushes=100
max_seconds=600
dir=""
build=1
while [ $# -gt 0 ]; do
  case $1 in
    --pushes) pushes=$2; shift 2 ;;
    --max-seconds) max_seconds=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "bench-deploy: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
case "$pushes$max_seconds" in
  *[!0-9]*) echo "bench-deploy: --pushes and --max-seconds take whole numbers" >&2; exit 2 ;;
esac
if [ "$pushes" -lt 1 ] || [ "$pushes" -gt 5000 ]; then
  echo "bench-deploy: --pushes must be between 1 and 5000" >&2; exit 2
fi
push_timeout=${PUSH_TIMEOUT:-30}
load_max=${LOAD_MAX:-1.5}
load_wait=${LOAD_WAIT:-600}

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
flotilla=${FLOTILLA:-$target/release/flotilla}
for tool in docker-registry umoci skopeo git curl python3; do
  command -v "$tool" >/dev/null || { echo "bench-deploy: $tool not found (scripts/install-services.sh)" >&2; exit 1; }
done
if [ "$build" = 1 ]; then
  (cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release --quiet -p flotilla)
fi
[ -x "$flotilla" ] || { echo "bench-deploy: no binary at $flotilla (build it, or set FLOTILLA)" >&2; exit 1; }

keep=1
if [ -z "$dir" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-deploy.XXXXXX")
  keep=0
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
server_pid=""
registry_pid=""
cleanup() {
  # Only the two processes this script started.
  [ -z "$registry_pid" ] || kill "$registry_pid" 2>/dev/null || true
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  [ "$keep" = 1 ] || rm -rf "$dir"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() { # URL WHAT PID
  local i
  for i in $(seq 1 300); do
    curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { echo "bench-deploy: $2 exited; see $dir" >&2; exit 1; }
    sleep 0.1
  done
  echo "bench-deploy: $2 did not answer $1 in 30 s" >&2; exit 1
}

# The fleet: one service whose master builds (fleet-dev/identity) deploy to dev by GitOps.
cd "$dir"
cat >flotilla.yaml <<'EOF'
settings:
  timezone: UTC
  image_namespace: fleet
repositories:
  - name: identity
    remote: remotes/identity.git
    category: plugin
environments:
  - name: dev
    dev_builds: true
    channels: [dev]
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/dev.yaml}
EOF
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
mkdir -p remotes seed/values
git init --quiet --bare --initial-branch=master remotes/deploy.git
printf '# Umbrella chart values for dev; flotilla writes image versions back here.\nidentity:\n  image:\n    name: fleet-dev/identity\n    version: latest  # set by flotilla\n' >seed/values/dev.yaml
git -C seed init --quiet --initial-branch=master
git -C seed add --all
git -C seed commit --quiet -m "Deploy values"
git -C seed push --quiet "$dir/remotes/deploy.git" master

server_port=$(free_port)
registry_port=$(free_port)
hook_secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
registry_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
api_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

FLOTILLA_HOOK_SECRET=$hook_secret FLOTILLA_REGISTRY_TOKEN=$registry_token FLOTILLA_API_TOKEN=$api_token \
  "$flotilla" -f flotilla.yaml serve --listen "127.0.0.1:$server_port" >serve.log 2>&1 &
server_pid=$!
wait_http "http://127.0.0.1:$server_port/healthz" "flotilla serve" "$server_pid"

mkdir -p registry/data
cat >registry/config.yml <<EOF
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: '$dir/registry/data'
http:
  addr: 127.0.0.1:$registry_port
  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
notifications:
  endpoints:
    - name: flotilla
      url: 'http://127.0.0.1:$server_port/hooks/registry'
      headers:
        Authorization: ['Bearer $registry_token']
      timeout: 1s
      threshold: 5
      backoff: 1s
EOF
docker-registry serve registry/config.yml >registry/log 2>&1 &
registry_pid=$!
wait_http "http://127.0.0.1:$registry_port/v2/" "docker-registry" "$registry_pid"

umoci init --layout image
umoci new --image image:base

# Waiting must not load the 2 cores it measures: the tip is read with bash builtins (no process
# per poll), and the pause between polls is a read timeout on a FIFO nobody writes.
mkfifo idle.fifo
exec 8<>idle.fifo
read_tip() {
  if [ -f remotes/deploy.git/refs/heads/master ]; then
    read -r tip <remotes/deploy.git/refs/heads/master
  else
    tip=$(git -C remotes/deploy.git rev-parse master)
  fi
}
# Master-build tags, one second apart: each is newer than the last, so each deploys.
tag_of() { printf '0.9.0.20260101.%02d%02d%02d' $(($1 / 3600)) $(($1 / 60 % 60)) $(($1 % 60)); }
push() { # INDEX: push the tag, wait for its deploy commit
  local tag before deadline
  tag=$(tag_of "$1")
  read_tip
  before=$tip
  skopeo copy --quiet --dest-tls-verify=false "oci:image:base" \
    "docker://127.0.0.1:$registry_port/fleet-dev/identity:$tag"
  deadline=$((SECONDS + push_timeout))
  while read_tip; [ "$tip" = "$before" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "bench-deploy: $tag was not deployed within $push_timeout s; see $dir/serve.log" >&2
      keep=1; exit 1
    fi
    read -rt 0.005 -u 8 _ || true
  done
}

push 0 # warm-up: first blobs, first clone of the deploy repository; not measured

load() { cut -d' ' -f1 /proc/loadavg; }
waited=0
while awk -v l="$(load)" -v m="$load_max" 'BEGIN { exit !(l > m) }'; do
  if [ "$waited" -ge "$load_wait" ]; then
    echo "bench-deploy: load $(load) still above $load_max after $load_wait s; measuring anyway" >&2
    break
  fi
  sleep 5
  waited=$((waited + 5))
done
load_before=$(load)
started=$SECONDS
done_pushes=0
for i in $(seq 1 "$pushes"); do
  if [ $((SECONDS - started)) -ge "$max_seconds" ]; then
    echo "bench-deploy: stopped after $max_seconds s" >&2
    break
  fi
  push "$i"
  done_pushes=$i
done
wall=$((SECONDS - started))
load_after=$(load)

api() { curl -fsS -H "Authorization: Bearer $api_token" "http://127.0.0.1:$server_port/api/v1/$1"; }
# The commit is visible a moment before its deployment and event are marked finished.
for _ in $(seq 1 300); do
  [ "$(api 'events?status=received&limit=1')" = "[]" ] && break
  sleep 0.1
done
for status in received processed ignored failed; do api "events?status=$status&limit=10000"; echo; done \
  | python3 -c 'import json, sys; print(json.dumps([e for l in sys.stdin for e in json.loads(l)]))' >events.json
"$flotilla" -f flotilla.yaml deploy history identity --env dev --limit 10000 --json >history.json

python3 - "$done_pushes" "$wall" registry/log events.json history.json "$(nproc)" \
  "$load_before" "$load_after" <<'EOF'
import json, math, re, sys
from datetime import datetime, timezone

count, wall, registry_log, events_file, history_file, cores, load_before, load_after = sys.argv[1:9]
count = int(count)

def ns(text):
    """RFC 3339 UTC timestamp with any number of fraction digits → integer nanoseconds."""
    text = text.rstrip("Z")
    whole, _, fraction = text.partition(".")
    seconds = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    return int(seconds) * 10**9 + int((fraction + "000000000")[:9])

UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9}
def go_duration(text):
    total = 0
    for number, unit in re.findall(r"([0-9.]+)(ns|us|µs|ms|s|m)", text):
        total += float(number) * UNITS[unit]
    return int(total)

# The registry's own record of each manifest PUT: when it completed and how long it took. (It
# notifies before it logs the completion, so "event stored" may come before the PUT's end.)
put = {}
line_re = re.compile(r'time="([^"]+)".*http\.request\.method=PUT .*http\.request\.uri="?/v2/fleet-dev/identity/manifests/([^ "]+)"? .*http\.response\.duration=(\S+) http\.response\.status=201')
for line in open(registry_log, encoding="utf-8", errors="replace"):
    match = line_re.search(line)
    if match:
        end = ns(match.group(1))
        put[match.group(2)] = (end - go_duration(match.group(3)), end)

received = {e["payload"]["tag"]: ns(e["received_at"]) for e in json.load(open(events_file))}
finished = {d["version"]: ns(d["finished_at"]) for d in json.load(open(history_file))
            if d["status"] == "succeeded" and d["finished_at"]}

rows = []
for i in range(1, count + 1):
    tag = "0.9.0.20260101.%02d%02d%02d" % (i // 3600, i // 60 % 60, i % 60)
    if tag not in put or tag not in received or tag not in finished:
        sys.exit(f"bench-deploy: no complete record for {tag} (put {tag in put}, "
                 f"event {tag in received}, deployment {tag in finished})")
    start, end = put[tag]
    rows.append({"tag": tag, "total": finished[tag] - start, "put": end - start,
                 "notify": received[tag] - start, "deploy": finished[tag] - received[tag]})

def pct(values, q):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

def ms(value):
    return f"{value / 1e6:7.1f}"

print(f"pushes measured: {count} in {wall} s on {cores} cores (1 warm-up push not counted); "
      f"1-min load {load_before} before, {load_after} after")
print(f"{'':40} {'p50':>7} {'p99':>7} {'max':>7}  (ms)")
for key, label in [("total", "manifest PUT -> deploy commit pushed"),
                   ("put", "  the PUT itself (registry's log)"),
                   ("notify", "  PUT start -> event stored by serve"),
                   ("deploy", "  event stored -> deploy commit pushed")]:
    values = [r[key] for r in rows]
    print(f"{label:40} {ms(pct(values, .5))} {ms(pct(values, .99))} {ms(max(values))}")
p99 = pct([r["total"] for r in rows], .99) / 1e6
print(f"target p99 <= 500 ms: {'met' if p99 <= 500 else 'MISSED'} ({p99:.1f} ms)")
json.dump(rows, open("latencies.json", "w"), indent=1)
EOF
