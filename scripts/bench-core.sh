#!/usr/bin/env bash
# Benchmark of `flotilla check` and `flotilla plan release start` on a generated fleet
# (1,000 repositories by default, in all six categories): in process, with the bench binary of
# flotilla-core, and end to end through the release binary, with peak memory. The targets are
# under 100 ms and under 50 MB peak for both. See docs/benchmarks.md.
#
# usage: scripts/bench-core.sh [--repos N] [--runs R] [--no-build]
#
#   --repos N    repositories in the generated fleet (default 1000)
#   --runs R     timed runs per measurement; the median is reported (default 21)
#   --no-build   use the existing binaries instead of building them
#
# Environment: CARGO_TARGET_DIR (default ~/.cache/flotilla-target, as scripts/test.sh).
# hyperfine is used when installed (Debian: apt-get install hyperfine); otherwise the runs are
# timed here and the median printed.
set -euo pipefail

repos=1000
runs=21
build=1
while [ $# -gt 0 ]; do
  case $1 in
    --repos) repos=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "bench-core: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flotilla-target}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$build" = 1 ]; then
  cargo build --release -p flotilla
  cargo bench -p flotilla-core --bench check_plan --no-run
fi
bin="$CARGO_TARGET_DIR/release/flotilla"
[ -x "$bin" ] || { echo "bench-core: $bin is missing; run without --no-build" >&2; exit 1; }

echo "== machine"
echo "nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== in process (crates/flotilla-core/benches/check_plan.rs)"
cargo bench -q -p flotilla-core --bench check_plan -- --repos "$repos" --iterations "$runs"
cargo bench -q -p flotilla-core --bench check_plan -- --repos "$repos" --write "$work/gen.yaml"

check=("$bin" -f "$work/gen.yaml" check)
plan=("$bin" -f "$work/gen.yaml" plan --offline release start 1.12.0 --json)
# Both must succeed before they are timed: a refusal is fast and would flatter the figures.
"${check[@]}" > /dev/null
"${plan[@]}" > "$work/plan.json"
echo "plan JSON: $(wc -c < "$work/plan.json") bytes"

# Peak resident set size and wall time of one run, from GNU time.
peak() {
  /usr/bin/time -v "$@" > /dev/null 2> "$work/time.txt"
  awk -F': ' '/Maximum resident set size/ {rss = $2} /Elapsed \(wall clock\)/ {wall = $2}
              /User time/ {user = $2} /System time/ {sys = $2}
              END {printf "  peak RSS %.1f MiB; wall %s, user %.2f s, system %.2f s (GNU time)\n",
                   rss / 1024, wall, user, sys}' "$work/time.txt"
}

# Median wall time of `runs` runs, for machines without hyperfine.
median_ms() {
  local samples=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null
    end=$(date +%s%N)
    samples+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {printf "  median %.1f ms, min %.1f ms (%d runs)\n", a[int((NR+1)/2)]/1000, a[1]/1000, NR}'
}

for name in check plan; do
  declare -n cmd=$name
  echo
  echo "== end to end: ${cmd[*]/#$work\//} > /dev/null"
  peak "${cmd[@]}"
  if command -v hyperfine > /dev/null; then
    hyperfine -N --warmup 3 --runs "$runs" --style none --output=null \
      --export-json "$work/hyperfine.json" "${cmd[*]}"
    # The median resists the other processes of a shared machine better than the mean.
    tr -d ' \n' < "$work/hyperfine.json" | grep -o '"\(median\|mean\|min\|user\|system\)":[0-9.e-]*' |
      awk -F: '{printf "%s%s %.1f ms", sep, substr($1, 2, length($1) - 2), $2 * 1000; sep = ", "}
               END {print " (" '"$runs"' " runs, hyperfine)"}' | sed 's/^/  /'
  else
    median_ms "${cmd[@]}"
  fi
done
