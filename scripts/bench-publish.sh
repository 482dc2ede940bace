#!/usr/bin/env bash
# Benchmark of flotilla's registry clients against the reference clients, on loopback, with
# servers of its own (a docker-registry and a pypiserver in a temporary directory, stopped and
# deleted at the end; the shared test servers are not touched):
#
#   images: a multi-layer image of incompressible data pushed by flotilla's OCI client
#           (flotilla_publish::oci::RegistryImageTarget) and by `skopeo copy oci:… docker://…`
#           of the same image in an OCI layout, into fresh repositories every run;
#   memory: the peak RSS of both with 20 MB and with 100 MB layers (streamed: no growth);
#   PyPI:   the same wheel + sdist uploaded by flotilla (PypiUploadTarget) and `twine upload`,
#           fresh versions every run.
#
# Every push or upload moves fresh random data under a fresh name, so no client can skip a blob
# (skopeo's blob-info cache would otherwise mount blobs it saw in another repository).
# Targets (issue 4 §7): flotilla at most 1.0× skopeo and at most 1.0× twine; memory flat in
# the layer size. See docs/benchmarks.md, "Publishing: real registries".
#
# usage: scripts/bench-publish.sh [--runs R] [--mb M] [--layers K] [--no-build]
#
#   --runs R     runs per measurement, median reported (default 3)
#   --mb M       size of the image in MB (default 100)
#   --layers K   layers of the image, each M/K MB (default 5)
#   --no-build   use the bench binary already built
#
# Needs docker-registry, skopeo, and the services venv (pypi-server, twine) that
# scripts/install-services.sh installs. Environment: CARGO_TARGET_DIR (default
# ~/.cache/flotilla-target, as scripts/test.sh), FLOTILLA_SERVICES_HOME.
set -euo pipefail

runs=3
mb=100
layers=5
build=1
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --mb) mb=$2; shift 2 ;;
    --layers) layers=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "bench-publish: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flotilla-target}"
services_home="${FLOTILLA_SERVICES_HOME:-$HOME/.cache/flotilla-services}"
twine="$services_home/venv/bin/twine"
pypi_server="$services_home/venv/bin/pypi-server"
for tool in docker-registry skopeo /usr/bin/time "$twine" "$pypi_server"; do
  command -v "$tool" > /dev/null || {
    echo "bench-publish: $tool is missing; run scripts/install-services.sh" >&2
    exit 1
  }
done

work=$(mktemp -d /tmp/flotilla-bench-publish.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

build_args=(-p flotilla-publish --bench publish --no-run --message-format=json)
if [ "$build" = 1 ]; then
  cargo bench "${build_args[@]}" > "$work/build.json"
else
  cargo bench --offline "${build_args[@]}" > "$work/build.json" 2> /dev/null
fi
bench=$(jq -r 'select(.reason == "compiler-artifact" and .target.name == "publish" and .executable != null) | .executable' "$work/build.json" | tail -1)
[ -x "$bench" ] || { echo "bench-publish: the bench binary was not built" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_ready() {
  for _ in $(seq 300); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "bench-publish: $1 did not answer" >&2
  exit 1
}

# Own servers, data under $work.
reg_port=$(free_port)
mkdir -p "$work/registry"
cat > "$work/registry/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry/data
http:
  addr: 127.0.0.1:$reg_port
  secret: flotilla-bench
EOF
docker-registry serve "$work/registry/config.yml" > "$work/registry/log" 2>&1 &
pids+=($!)
registry="127.0.0.1:$reg_port"
wait_ready "http://$registry/v2/"

pypi_port=$(free_port)
mkdir -p "$work/pypi/data"
"$pypi_server" run -i 127.0.0.1 -p "$pypi_port" -P . -a . --disable-fallback \
  "$work/pypi/data" > "$work/pypi/log" 2>&1 &
pids+=($!)
pypi="http://127.0.0.1:$pypi_port"
wait_ready "$pypi/health"

echo "== machine"
echo "nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "skopeo: $(skopeo --version | awk '{print $3}'); twine: $("$twine" --version | head -1 | awk '{print $3}');" \
  "docker-registry: $(docker-registry --version 2>&1 | awk '{print $3}'); pypiserver at $pypi"

# Wall seconds and peak RSS (KiB) of a command, from GNU time: sets $wall and $rss.
timed() {
  /usr/bin/time -v "$@" > "$work/out.txt" 2> "$work/time.txt" || {
    cat "$work/out.txt" "$work/time.txt" >&2
    exit 1
  }
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
}

value() { awk -F= -v k="$1" '$1 == k {print $2}' "$work/out.txt"; }

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# Fresh layer directories of incompressible data: $1 layers of $2 MB each, in $3.
make_layers() {
  rm -rf "$3"
  local i
  for i in $(seq "$1"); do
    mkdir -p "$3/l$i/data"
    head -c "$(($2 * 1024 * 1024))" /dev/urandom > "$3/l$i/data/blob.bin"
  done
}

seq_no=0
# One comparison of image pushes: $1 layers of $2 MB each, $runs runs per client.
images() {
  local count=$1 size=$2 label="$1 x $2 MB"
  local f_push=() f_wall=() f_rss=() s_wall=() s_rss=() run dirs
  for run in $(seq "$runs"); do
    seq_no=$((seq_no + 1))
    make_layers "$count" "$size" "$work/layers"
    dirs=("$work"/layers/l*)
    timed "$bench" push "$work/staging-$seq_no" "$registry" "bench/flotilla-$seq_no" 1.0.0 "${dirs[@]}"
    [ "$(value outcome)" = Written ] || { echo "bench-publish: flotilla did not push" >&2; exit 1; }
    f_push+=("$(value seconds)"); f_wall+=("$wall"); f_rss+=("$rss")
    rm -rf "$work/staging-$seq_no"

    seq_no=$((seq_no + 1))
    make_layers "$count" "$size" "$work/layers"
    dirs=("$work"/layers/l*)
    "$bench" layout "$work/staging-$seq_no" "$work/layouts" "img$seq_no" 1.0.0 "${dirs[@]}" > /dev/null
    timed skopeo copy --quiet --dest-tls-verify=false \
      "oci:$work/layouts/img$seq_no:1.0.0" "docker://$registry/bench/skopeo-$seq_no:1.0.0"
    s_wall+=("$wall"); s_rss+=("$rss")
    rm -rf "$work/staging-$seq_no" "$work/layouts/img$seq_no"
  done
  local fp fw fr sw sr
  fp=$(median "${f_push[@]}"); fw=$(median "${f_wall[@]}"); fr=$(median "${f_rss[@]}")
  sw=$(median "${s_wall[@]}"); sr=$(median "${s_rss[@]}")
  echo
  echo "== image push, $label ($runs runs each, median)"
  echo "flotilla push:  ${fp} s  (runs: ${f_push[*]}; whole process incl. building the image: ${fw} s)"
  echo "skopeo copy:    ${sw} s  (runs: ${s_wall[*]})"
  awk -v f="$fp" -v s="$sw" 'BEGIN {printf "ratio flotilla/skopeo: %.2f\n", f / s}'
  awk -v f="$fr" -v s="$sr" 'BEGIN {printf "peak RSS: flotilla %.1f MiB (whole process), skopeo %.1f MiB\n", f / 1024, s / 1024}'
}

images "$layers" $((mb / layers))
images 1 20
images 1 100

# PyPI: a package of $1 MB incompressible data (0: code only), $runs runs per client.
pypi_upload() {
  local size=$1 f_wall=() f_rss=() t_wall=() t_rss=() run version files
  local project="bench-pkg-$size"
  rm -rf "$work/pkg"
  mkdir -p "$work/pkg/src/bench_pkg"
  printf 'NAME = "bench-pkg"\n' > "$work/pkg/src/bench_pkg/__init__.py"
  if [ "$size" -gt 0 ]; then
    head -c "$((size * 1024 * 1024))" /dev/urandom > "$work/pkg/src/bench_pkg/data.bin"
  fi
  for run in $(seq "$runs"); do
    version="1.0.$run"
    "$bench" pypi-build "$project" "$version" "$work/pkg/src" "$work/dist-$version" > "$work/out.txt"
    files=("$(value wheel)" "$(value sdist)")
    timed "$bench" pypi-upload "$pypi" "${files[@]}"
    f_wall+=("$wall"); f_rss+=("$rss")

    version="2.0.$run"
    "$bench" pypi-build "$project" "$version" "$work/pkg/src" "$work/dist-$version" > "$work/out.txt"
    files=("$(value wheel)" "$(value sdist)")
    timed "$twine" upload --non-interactive --disable-progress-bar \
      --repository-url "$pypi" -u bench -p bench "${files[@]}"
    t_wall+=("$wall"); t_rss+=("$rss")
  done
  local fw tw
  fw=$(median "${f_wall[@]}"); tw=$(median "${t_wall[@]}")
  echo
  echo "== PyPI upload, wheel + sdist of $(du -ch "${files[@]}" | tail -1 | cut -f1) ($runs runs each, median, whole processes)"
  echo "flotilla upload: ${fw} s  (runs: ${f_wall[*]})"
  echo "twine upload:    ${tw} s  (runs: ${t_wall[*]})"
  awk -v f="$fw" -v t="$tw" 'BEGIN {printf "ratio flotilla/twine: %.2f\n", f / t}'
  awk -v f="$(median "${f_rss[@]}")" -v t="$(median "${t_rss[@]}")" \
    'BEGIN {printf "peak RSS: flotilla %.1f MiB, twine %.1f MiB\n", f / 1024, t / 1024}'
}

pypi_upload 0
pypi_upload 20
