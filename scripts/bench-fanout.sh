#!/usr/bin/env bash
# Fan-out benchmark: `flotilla release start 1.0.0` across generated local repositories without
# build steps, against a shell script doing the same git operations one repository after
# another, and the same script under `xargs -P2`, and the lean script (release-one-lean.sh: no
# second fetch, one atomic push of branch, tag and master) under `xargs -P2`. See
# docs/benchmarks.md.
#
# usage: scripts/bench-fanout.sh [--repos N] [--runs R] [--parallel "2 4 8"] [--dir DIR]
#                                [--no-build] [--count-git N]
#
#   --repos N         repositories in the fleet (default 200)
#   --runs R          runs of each variant; the median is reported (default 3)
#   --parallel LIST   max_parallel values to run flotilla with (default "2 4 8")
#   --dir DIR         work directory (default: a new temporary directory, removed at the end)
#   --no-build        use the existing binary instead of `cargo build --release -p flotilla`
#   --count-git N     instead of timing, count git processes per repository on an N-repository
#                     fleet, for flotilla (max_parallel 2) and the script
#
# Environment: CARGO_TARGET_DIR (binary at $CARGO_TARGET_DIR/release/flotilla), FLOTILLA (the
# binary, overrides), LOAD_MAX (default 1.5: wait before each measurement until the 1-minute
# load average is at most this), LOAD_WAIT (default 600: give up waiting after these seconds,
# and say so).
set -euo pipefail

repos=200
runs=3
parallel="2 4 8"
dir=""
build=1
count_git=0
while [ $# -gt 0 ]; do
  case $1 in
    --repos) repos=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --count-git) count_git=$2; shift 2 ;;
    *) echo "bench-fanout: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
bench="$root/scripts/bench"
target=${CARGO_TARGET_DIR:-$root/target}
flotilla=${FLOTILLA:-$target/release/flotilla}
load_max=${LOAD_MAX:-1.5}
load_wait=${LOAD_WAIT:-600}

if [ "$build" = 1 ]; then
  (cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release --quiet -p flotilla)
fi
[ -x "$flotilla" ] || { echo "bench-fanout: no binary at $flotilla (build it, or set FLOTILLA)" >&2; exit 1; }
flotilla=$(cd "$(dirname "$flotilla")" && pwd)/$(basename "$flotilla")

if [ -z "$dir" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-fanout.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
fleet="$dir/fleet"
pristine="$dir/pristine"
results="$dir/results.tsv"

# The pristine fleet, generated once; every measurement starts from a fresh copy of it.
if [ "$count_git" != 0 ]; then repos=$count_git; fi
rm -rf "$pristine"
"$bench/gen-fleet.sh" "$pristine" "$repos" 2
"$flotilla" --manifest "$pristine/flotilla.yaml" check >/dev/null

# Used fleets are moved aside and deleted at the end: deleting thousands of files keeps the disk
# (and the load average) busy for tens of seconds, which would spill into the next measurement.
resets=0
reset_fleet() { # max_parallel
  if [ -e "$fleet" ]; then
    resets=$((resets + 1))
    mkdir -p "$dir/used"
    mv "$fleet" "$dir/used/$resets"
  fi
  cp -a "$pristine" "$fleet"
  sed -i "s/^    max_parallel: .*/    max_parallel: $1/" "$fleet/flotilla.yaml"
}

script_serial() {
  for i in $(seq -f '%03g' 1 "$repos"); do
    "$bench/release-one.sh" "r$i" "$fleet/remotes/r$i.git" "$fleet/.script/mirrors" "$fleet/.script/work"
  done
}

script_xargs() { # jobs [script]
  mkdir -p "$fleet/.script/mirrors" "$fleet/.script/work"
  seq -f '%03g' 1 "$repos" | xargs -P "$1" -I{} \
    "$bench/${2:-release-one.sh}" "r{}" "$fleet/remotes/r{}.git" "$fleet/.script/mirrors" "$fleet/.script/work"
}

script_lean_serial() {
  mkdir -p "$fleet/.script/mirrors" "$fleet/.script/work"
  for i in $(seq -f '%03g' 1 "$repos"); do
    "$bench/release-one-lean.sh" "r$i" "$fleet/remotes/r$i.git" "$fleet/.script/mirrors" "$fleet/.script/work"
  done
}

run_flotilla() {
  "$flotilla" --manifest "$fleet/flotilla.yaml" release start 1.0.0 >"$dir/flotilla.out" 2>&1
}

# Every remote must end with release-1.0.0, tag v1.0.0rc1 and master at v1.0.0rc1: a variant that
# did less than the others must not look faster.
verify_fleet() { # label
  local bad=0 i remote
  for i in $(seq -f '%03g' 1 "$repos"); do
    remote="$fleet/remotes/r$i.git"
    if [ "$(git -C "$remote" show master:VERSION 2>/dev/null)" != v1.0.0rc1 ] \
      || [ "$(git -C "$remote" show v1.0.0rc1:VERSION 2>/dev/null)" != v1.0.0rc1 ] \
      || [ "$(git -C "$remote" cat-file -t v1.0.0rc1 2>/dev/null)" != tag ] \
      || git -C "$remote" cat-file -e release-1.0.0:.github 2>/dev/null; then
      bad=$((bad + 1))
    fi
  done
  if [ "$bad" != 0 ]; then
    echo "bench-fanout: $1 left $bad of $repos repositories unreleased (see $dir/flotilla.out)" >&2
    exit 1
  fi
}

wait_for_quiet() {
  local waited=0
  while awk -v max="$load_max" '{ exit !($1 > max) }' /proc/loadavg && [ "$waited" -lt "$load_wait" ]; do
    sleep 5
    waited=$((waited + 5))
  done
}

# Runs a command under /usr/bin/time -v and appends: label, run, wall seconds, peak RSS (KiB),
# 1-minute load average just before, CPU seconds (user + system, children included).
measure() { # label run command...
  local label=$1 run=$2 load
  shift 2
  wait_for_quiet
  load=$(cut -d' ' -f1 /proc/loadavg)
  if ! /usr/bin/time -v -o "$dir/time.txt" "$@" >"$dir/last.out" 2>&1; then
    echo "bench-fanout: $label failed:" >&2
    cat "$dir/last.out" >&2
    exit 1
  fi
  awk -v label="$label" -v run="$run" -v load="$load" '
    /Elapsed \(wall clock\)/ {
      n = split($NF, p, ":"); wall = 0
      for (i = 1; i <= n; i++) wall = wall * 60 + p[i]
    }
    /User time \(seconds\)/ || /System time \(seconds\)/ { cpu += $NF }
    /Maximum resident set size/ { rss = $NF }
    END { printf "%s\t%s\t%.2f\t%d\t%s\t%.2f\n", label, run, wall, rss, load, cpu }
  ' "$dir/time.txt" | tee -a "$results"
}

if [ "$count_git" != 0 ]; then
  # A git on PATH that logs its arguments; internal git-to-git calls go through git's exec path
  # and are not counted, the same for both sides.
  shim="$dir/shim"
  mkdir -p "$shim"
  real_git=$(command -v git)
  printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"$GIT_COUNT_LOG"\nexec %s "$@"\n' "$real_git" >"$shim/git"
  chmod +x "$shim/git"
  # Invocations per git subcommand (global options such as --git-dir skipped), per repository.
  summarise() { # label log
    echo "== $1: $(wc -l <"$2") git invocations for $repos repositories"
    awk -v n="$repos" '
      { i = 1; while ($i ~ /^-/) { if ($i == "-C" || $i == "-c") i++; i++ } c[$i]++ }
      END { for (k in c) printf "%8d %6.2f/repo  %s\n", c[k], c[k] / n, k }
    ' "$2" | sort -rn
  }
  count() { # label command...
    local label=$1
    shift
    reset_fleet 2
    rm -f "$dir/$label.git.log"
    GIT_COUNT_LOG="$dir/$label.git.log" PATH="$shim:$PATH" "$@"
    summarise "$label" "$dir/$label.git.log"
  }
  count script script_serial
  verify_fleet script
  count script-lean script_lean_serial
  verify_fleet script-lean
  count flotilla run_flotilla
  verify_fleet flotilla
  # The work-tree path every run took before the plumbing one (forced for comparison).
  FLOTILLA_WORK_TREE=always count flotilla-work-tree run_flotilla
  verify_fleet flotilla-work-tree
  # The no-op case on the same fleet.
  rm -f "$dir/noop.git.log"
  GIT_COUNT_LOG="$dir/noop.git.log" PATH="$shim:$PATH" run_flotilla
  summarise "flotilla again (no-op)" "$dir/noop.git.log"
  # Total processes including git's own children, from the kernel's point of view.
  for label in script flotilla; do
    reset_fleet 2
    if [ "$label" = script ]; then
      strace -f -qq -e trace=execve -e status=successful -o "$dir/$label.strace" bash -c "$(declare -f script_serial); $(declare -p repos bench fleet); script_serial"
    else
      strace -f -qq -e trace=execve -e status=successful -o "$dir/$label.strace" "$flotilla" --manifest "$fleet/flotilla.yaml" release start 1.0.0 >/dev/null 2>&1
    fi
    echo "== $label, successful execve under strace -f: $(grep -c 'execve(' "$dir/$label.strace") in all," \
      "$(grep -cE 'execve\("[^"]*/git(-[a-z-]+)?"' "$dir/$label.strace") of git programs:"
    grep -oE 'execve\("[^"]*"' "$dir/$label.strace" | sed 's/^execve("//; s/"$//; s|.*/||' \
      | sort | uniq -c | sort -rn | awk -v n="$repos" '{ printf "%8d %6.2f/repo  %s\n", $1, $1 / n, $2 }'

  done
  rm -rf "$dir/used"
  echo "logs in $dir"
  exit 0
fi

: >"$results"
echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores; $repos repositories; git $(git --version | cut -d' ' -f3)"
echo "# label	run	wall_s	peak_rss_kib	load1_before	cpu_s"
for run in $(seq 1 "$runs"); do
  reset_fleet 2
  measure script-serial "$run" bash -c "$(declare -f script_serial); $(declare -p repos bench fleet); script_serial"
  verify_fleet script-serial
  reset_fleet 2
  measure script-xargs-P2 "$run" bash -c "$(declare -f script_xargs); $(declare -p repos bench fleet); script_xargs 2"
  verify_fleet script-xargs-P2
  reset_fleet 2
  measure script-lean-xargs-P2 "$run" bash -c "$(declare -f script_xargs); $(declare -p repos bench fleet); script_xargs 2 release-one-lean.sh"
  verify_fleet script-lean-xargs-P2
  for p in $parallel; do
    reset_fleet "$p"
    measure "flotilla-mp$p" "$run" "$flotilla" --manifest "$fleet/flotilla.yaml" release start 1.0.0
    verify_fleet "flotilla-mp$p"
    if [ "$p" = 2 ]; then
      measure flotilla-mp2-noop "$run" "$flotilla" --manifest "$fleet/flotilla.yaml" release start 1.0.0
      verify_fleet flotilla-mp2-noop
    fi
  done
done >"$dir/measure.log"
rm -rf "$dir/used"
cat "$dir/measure.log"

echo
echo "median of $runs runs, $repos repositories:"
awk -F'\t' -v n="$repos" '
  { walls[$1] = walls[$1] " " $3; rsss[$1] = rsss[$1] " " $4; cpus[$1] = cpus[$1] " " $6; if (!($1 in seen)) { order[++k] = $1; seen[$1] = 1 } }
  function median(list,   a, c, i, j, t) {
    c = split(list, a, " ")
    for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((c + 1) / 2)]
  }
  END {
    serial = median(walls["script-serial"]); xargs = median(walls["script-xargs-P2"]); lean = median(walls["script-lean-xargs-P2"])
    printf "%-20s %8s %8s %8s %8s %8s %16s %16s\n", "variant", "wall s", "x xargs", "x lean", "CPU s", "RSS MiB", "ms/repo − serial", "ms/repo − xargs"
    for (i = 1; i <= k; i++) {
      l = order[i]; w = median(walls[l])
      printf "%-20s %8.2f %7.2fx %7.2fx %8.2f %8.1f %16.1f %16.1f\n", l, w, w / xargs, w / lean, median(cpus[l]), median(rsss[l]) / 1024, (w - serial) * 1000 / n, (w - xargs) * 1000 / n
    }
  }' "$results"
