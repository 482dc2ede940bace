#!/usr/bin/env bash
# The shell baseline of the fan-out benchmark: the git operations of `flotilla release start
# 1.0.0` for one repository without artifacts, with the same mirror caching as flotilla (a bare
# mirror refreshed by fetch, a work tree cloned from it with --shared, pushes to the real remote).
# No checks: it assumes a fresh fleet, so it is the lower bound flotilla is compared with.
#
# usage: scripts/bench/release-one.sh NAME REMOTE CACHE_DIR WORK_DIR
set -euo pipefail

name=$1 remote=$2 cache=$3 work=$4
line=1.0.0 version=v1.0.0rc1 tag=v1.0.0rc1
branch="release-$line"
mirror="$cache/$name.git"
tree="$work/$name"

if [ -d "$mirror" ]; then
  git -C "$mirror" fetch --quiet --prune --no-write-fetch-head -- "$remote" \
    '+refs/heads/*:refs/heads/*' '+refs/tags/*:refs/tags/*'
else
  git clone --bare --quiet -- "$remote" "$mirror"
fi
rm -rf "$tree"
git clone --quiet --shared --config "remote.origin.pushurl=$remote" --branch master -- "$mirror" "$tree"
cd "$tree"

# release branch: cut from master, strip .github
git switch --quiet --create "$branch"
git rm -r --quiet -- .github
git commit --quiet -m "[CI/CD] remove CI from the release branch"

# tag rc1: version file, commit, annotated tag, atomic push of branch and tag
printf '%s\n' "$version" >VERSION
git add -- VERSION
git commit --quiet -m "[CI/CD] release version $version"
git tag -a -m "release $tag" "$tag"
git push --quiet --atomic origin "refs/heads/$branch:refs/heads/$branch" "refs/tags/$tag:refs/tags/$tag"

# reflect: master takes the version
git fetch --quiet -- "$remote" refs/heads/master
git switch --quiet --detach FETCH_HEAD
printf '%s\n' "$version" >VERSION
git add -- VERSION
git commit --quiet -m "[CI/CD] reflect version $version"
git push --quiet origin HEAD:refs/heads/master
