#!/usr/bin/env bash
# The lean shell baseline of the fan-out benchmark: what a hand-written script needs at least
# for `flotilla release start 1.0.0` of one repository without artifacts. A bare mirror
# (cloned, or refreshed by fetch), a work tree cloned from it with --shared, the strip, version
# and reflect commits and the annotated tag, and ONE atomic push of branch, tag and master. It
# does not fetch the remote again before reflecting (release-one.sh does): the reflect commit
# goes on master as the mirror has it, and the atomic push fails if master moved.
#
# usage: scripts/bench/release-one-lean.sh NAME REMOTE CACHE_DIR WORK_DIR
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

# tag rc1: version file, commit, annotated tag
printf '%s\n' "$version" >VERSION
git add -- VERSION
git commit --quiet -m "[CI/CD] release version $version"
git tag -a -m "release $tag" "$tag"

# reflect: master takes the version
git switch --quiet master
printf '%s\n' "$version" >VERSION
git add -- VERSION
git commit --quiet -m "[CI/CD] reflect version $version"

# one atomic push of branch, tag and master
git push --quiet --atomic origin "refs/heads/$branch:refs/heads/$branch" \
  "refs/tags/$tag:refs/tags/$tag" "refs/heads/master:refs/heads/master"
