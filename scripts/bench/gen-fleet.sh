#!/usr/bin/env bash
# Generates a benchmark fleet: COUNT bare repositories under DIR/remotes (r001.git …), each with
# VERSION v0.9.0, a README and .github/workflows/ci.yaml on master, and DIR/flotilla.yaml
# declaring them in one category with no artifacts and no build steps.
#
# usage: scripts/bench/gen-fleet.sh DIR COUNT MAX_PARALLEL
set -euo pipefail

dir=${1:?usage: gen-fleet.sh DIR COUNT MAX_PARALLEL}
count=${2:?usage: gen-fleet.sh DIR COUNT MAX_PARALLEL}
max_parallel=${3:?usage: gen-fleet.sh DIR COUNT MAX_PARALLEL}

# Fixed dates and identity: every generation gives the same commits.
export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
unset GIT_DIR GIT_WORK_TREE

mkdir -p "$dir/remotes"
seed=$(mktemp -d)
trap 'rm -rf "$seed"' EXIT

for i in $(seq -f '%03g' 1 "$count"); do
  name="r$i"
  src="$seed/$name"
  mkdir -p "$src/.github/workflows"
  printf 'v0.9.0\n' >"$src/VERSION"
  printf '# %s\n\nA generated repository of the fan-out benchmark.\n' "$name" >"$src/README.md"
  printf 'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n' \
    >"$src/.github/workflows/ci.yaml"
  git -C "$src" init --quiet --initial-branch=master
  git -C "$src" add --all
  git -C "$src" commit --quiet -m 'initial commit'
  git clone --quiet --bare "$src" "$dir/remotes/$name.git"
done

{
  printf 'settings:\n  timezone: UTC\n  image_namespace: bench\n'
  printf 'categories:\n  lib:\n'
  printf '    events: [release-branch, tag, reflect]\n'
  printf '    publishes: {image: false, python: false, npm: false, chart: false}\n'
  printf '    max_parallel: %s\n    wave_order: 0\n' "$max_parallel"
  printf 'repositories:\n'
  for i in $(seq -f '%03g' 1 "$count"); do
    printf '  - {name: r%s, remote: remotes/r%s.git, category: lib}\n' "$i" "$i"
  done
} >"$dir/flotilla.yaml"
