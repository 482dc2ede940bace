#!/usr/bin/env bash
# Adopts a fleet shaped like the seed platform's real repositories and releases it against real
# registries, then checks the result with independent tools (pip, npm, skopeo or curl, git).
#
#   scripts/real-fleet.sh [DIR]        # default ./real-fleet; DIR must not exist yet
#
# Needs what scripts/test.sh installs: the servers (scripts/install-services.sh), python3 with
# `build` and setuptools (scripts/install-test-deps.sh), node and npm, git; skopeo if present.
#
# 1. writes bare repositories under DIR/remotes (the testkit's `real-fleet`: setup.py projects
#    reading PACKAGE_VERSION with install_requires between them, a service with a Dockerfile
#    and deploy/helm chart, spacectl's console_scripts, an npm package built by `prepack`, a
#    plugin tagged v1.12.1/v1.13-rc1/v1.13, a master on 2.0 by its tags only, v/no-v tags);
# 2. starts its own docker-registry, pypiserver and verdaccio (scripts/services, data under
#    DIR/services, free ports; stopped at exit);
# 3. `flotilla import`, the edits the import leaves to the team (registries, hotfix_semver,
#    version files, build isolation), `flotilla check`, `flotilla plan release start 2.0.0`,
#    `flotilla release start 2.0.0`, `flotilla release hotfix 1.12.0.1 --repo identity`;
# 4. independent checks, one PASS/FAIL line each; exits 1 when one fails.
#
# Settings (the integration test `real_fleet` uses them):
#   FLOTILLA=PATH, REAL_FLEET=PATH   these binaries instead of building them with cargo
#   REAL_FLEET_ONLY=a,b,c            a subset of the repositories
#   REAL_FLEET_REMOTES=DIR           bare repositories already written (by the testkit), copied in
#   REAL_FLEET_OCI, REAL_FLEET_PYPI, REAL_FLEET_NPM   URLs of running registries: none started
#   REAL_FLEET_SUFFIX=-x1            appended to every published name, the image namespace and
#                                    the charts' path, for registries that other runs share
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-real-fleet}"
if [ -e "$dir" ]; then
    printf 'error: %s exists; give real-fleet.sh a fresh directory\n' "$dir" >&2
    exit 2
fi
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
started=$(date +%s)

say() { printf '\n== %s\n' "$*"; }

if [ -z "${FLOTILLA:-}" ] || { [ -z "${REAL_FLEET:-}" ] && [ -z "${REAL_FLEET_REMOTES:-}" ]; }; then
    say "building flotilla and the fleet generator (cargo, debug)"
    (cd "$root" && cargo build --quiet -p flotilla --bin flotilla && cargo build --quiet -p flotilla-testkit --bin real-fleet)
    target="${CARGO_TARGET_DIR:-$root/target}"
    FLOTILLA="${FLOTILLA:-$target/debug/flotilla}"
    REAL_FLEET="${REAL_FLEET:-$target/debug/real-fleet}"
fi

suffix="${REAL_FLEET_SUFFIX:-}"
case "$suffix" in *[!a-z0-9-]*) printf 'error: REAL_FLEET_SUFFIX: lowercase letters, digits and - only\n' >&2; exit 2 ;; esac
namespace="spaceone$suffix"

if [ -n "${REAL_FLEET_OCI:-}" ] && [ -n "${REAL_FLEET_PYPI:-}" ] && [ -n "${REAL_FLEET_NPM:-}" ]; then
    oci="$REAL_FLEET_OCI"; pypi="$REAL_FLEET_PYPI"; npm_url="$REAL_FLEET_NPM"
    say "registries given: $oci, $pypi, $npm_url"
else
# --- registries of our own ---------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export FLOTILLA_SERVICES_RUN="$dir/services"
FLOTILLA_REGISTRY_PORT="$(free_port)"
FLOTILLA_PYPI_PORT="$(free_port)"
FLOTILLA_NPM_PORT="$(free_port)"
export FLOTILLA_REGISTRY_PORT FLOTILLA_PYPI_PORT FLOTILLA_NPM_PORT
stop_services() { bash "$root/scripts/services/stop.sh" all >/dev/null 2>&1 || true; }
trap stop_services EXIT
say "starting docker-registry, pypiserver and verdaccio (data in $FLOTILLA_SERVICES_RUN)"
bash "$root/scripts/services/start.sh" all
oci="http://127.0.0.1:$FLOTILLA_REGISTRY_PORT"
pypi="http://127.0.0.1:$FLOTILLA_PYPI_PORT"
npm_url="http://127.0.0.1:$FLOTILLA_NPM_PORT"
fi
oci_host="${oci#http://}"; oci_host="${oci_host#https://}"

# --- the fleet ------------------------------------------------------------------------------
say "writing the real-shaped fleet under $dir/remotes"
only=()
[ -z "${REAL_FLEET_ONLY:-}" ] || only=(--only "$REAL_FLEET_ONLY")
if [ -n "${REAL_FLEET_REMOTES:-}" ]; then
    mkdir -p "$dir/remotes"
    for bare in "$REAL_FLEET_REMOTES"/*.git; do
        cp -R "$bare" "$dir/remotes/"
        printf '%s\n' "$dir/remotes/$(basename "$bare")"
    done >"$dir/remotes.txt"
else
    "$REAL_FLEET" "$dir/remotes" "${only[@]+"${only[@]}"}" --suffix "$suffix" >"$dir/remotes.txt"
fi
repos=()
while read -r path; do repos+=("$(basename "$path" .git)"); done <"$dir/remotes.txt"
has() { [[ " ${repos[*]} " == *" $1 "* ]]; }
printf '%s repositories: %s\n' "${#repos[@]}" "${repos[*]}"

cd "$dir"
fl() { printf '$ flotilla %s\n' "$*"; "$FLOTILLA" "$@"; }
remotes=()
for repo in "${repos[@]}"; do remotes+=("remotes/$repo.git"); done
say "import"
fl import "${remotes[@]}"

say "the decisions the import left open, as the team answers them"
python3 - "$oci" "$pypi" "$npm_url" "$suffix" <<'EOF'
import re, sys
oci, pypi, npm, suffix = sys.argv[1:5]
text = open("flotilla.yaml").read()
edits = []
head = (
    f"settings:\n  image_namespace: spaceone{suffix}\n\n"
    "registries:\n"
    f"  images: {{kind: image, url: {oci}, insecure: true}}\n"
    f"  charts: {{kind: chart, url: {oci}/charts{suffix}, insecure: true}}\n"
    f"  pypi: {{kind: pypi, url: {pypi}, insecure: true}}\n"
    f"  npm: {{kind: npm, url: {npm}, insecure: true}}\n\n"
)
assert "\nrepositories:" in text, "no repositories: in flotilla.yaml"
text = text.replace("\nrepositories:", "\n" + head + "repositories:", 1)
edits.append(f"settings.image_namespace: spaceone{suffix}; registries: images, charts, pypi, npm")
# No PyPI here: the builds use the interpreter's setuptools.
text, n = re.subn(r"python: \{name: ([^,}]+), source: ([^}]+)\}",
                  r"python: {name: \1, source: \2, build_isolation: false}", text)
edits.append(f"python.build_isolation: false ({n} packages)")
def after_category(repo, lines):
    global text
    pat = re.compile(r"(  - name: %s\n(?:    .*\n)*?    category: [^\n]+\n)" % re.escape(repo))
    if pat.search(text):
        text = pat.sub(lambda m: m.group(1) + "".join("    " + l + "\n" for l in lines), text, 1)
        edits.append(f"{repo}: " + "; ".join(lines))
after_category("identity", ["hotfix_semver: build-metadata"])
after_category("console", ["hotfix_semver: build-metadata"])
after_category("spaceone-design-system", ["hotfix_semver: build-metadata"])
open("flotilla.yaml", "w").write(text)
for e in edits:
    print("  " + e)
EOF
fl check

master() { git -C remotes/identity.git rev-parse master; }
if has identity; then
    # identity's master has no version file and is on 2.0 by its tags only (2.0.dev249).
    say "hotfix of the 1.x line on identity, whose master is on 2.0 by its tags only"
    identity_master_0="$(master)"
    fl plan release hotfix 1.12.0.1 --repo identity | tee plan-hotfix.txt
    fl release hotfix 1.12.0.1 --repo identity
    identity_master_1="$(master)"
    say "master push of identity: its version comes from its tags (2.0.dev249), not a version file"
    fl plan push identity | tee plan-push.txt
    fl push identity | tee push.txt
fi

say "plan"
fl plan release start 2.0.0

say "release"
fl release start 2.0.0
fl release status

if has identity; then
    say "hotfix of the 1.x line on identity again, its master now on 2.0.0rc1"
    identity_master_2="$(master)"
    fl release hotfix 1.12.0.2 --repo identity
    identity_master_3="$(master)"
fi

# --- independent checks ---------------------------------------------------------------------
say "independent checks"
set +e +o pipefail  # a check that cannot run is a FAIL line, not the end of the script
passed=0
failed=0
check() { # NAME EXPECTED SEEN
    if [ "$2" = "$3" ]; then
        passed=$((passed + 1)); printf 'PASS %s: %s\n' "$1" "$3"
    else
        failed=$((failed + 1)); printf 'FAIL %s: expected %s, seen %s\n' "$1" "$2" "$3"
    fi
}
tag_template() { # REPO -> the manifest's tag template (import's choice), default v{canonical}
    python3 - "$1" <<'EOF'
import re, sys
text = open("flotilla.yaml").read()
m = re.search(r"  - name: %s\n((?:    .*\n)*)" % re.escape(sys.argv[1]), text)
t = re.search(r'    tag_template: "?([^"\n]+)"?', m.group(1)) if m else None
print(t.group(1) if t else "v{canonical}")
EOF
}
tag_of() { local t; t="$(tag_template "$1")"; printf '%s' "${t/\{canonical\}/$2}"; }
show() { git -C "remotes/$1.git" show "$2" 2>/dev/null || printf '<missing %s>' "$2"; }
# git: the tags, as the manifest spells them, and the version files in the tagged trees.
for repo in "${repos[@]}"; do
    tag="$(tag_of "$repo" 2.0.0rc1)"
    other="$([ "${tag#v}" = "$tag" ] && printf 'v%s' "$tag" || printf '%s' "${tag#v}")"
    seen="$(git -C "remotes/$repo.git" tag --list "$tag" "$other" | tr '\n' ' ' | sed 's/ $//')"
    check "git $repo: tag of 2.0.0rc1 in the writing spelling only ($tag, not $other)" "$tag" "$seen"
done
if has python-core; then
    check "git python-core: show $(tag_of python-core 2.0.0rc1):src/VERSION" "2.0.0rc1" \
        "$(show python-core "$(tag_of python-core 2.0.0rc1):src/VERSION")"
fi
if has python-core; then
    # python-core released 1.12.0 as a tag without v: another spelling of the same version.
    "$FLOTILLA" plan release start 1.12.0 >plan-1.12.0.txt 2>&1
    status=$?
    check "plan release start 1.12.0: python-core's tag 1.12.0 (no v) counts as released (exit 2)" \
        "2: python-core: 1.12.0rc1 comes before 1.12.0, which is already released" \
        "$status: $(grep -o 'python-core: 1.12.0rc1 comes before 1.12.0, which is already released' plan-1.12.0.txt || true)"
fi
if has spacectl; then
    check "git spacectl: show v2.0.0rc1:src/VERSION" "2.0.0rc1" "$(show spacectl v2.0.0rc1:src/VERSION)"
fi
if has identity; then
    check "git identity: show v2.0.0rc1:VERSION" "v2.0.0rc1" "$(show identity v2.0.0rc1:VERSION)"
    check "git identity: show v2.0.0rc1:deploy/helm/Chart.yaml version/appVersion" "2.0.0-rc.1 2.0.0rc1" \
        "$(show identity v2.0.0rc1:deploy/helm/Chart.yaml | sed -n 's/^version: //p;s/^appVersion: //p' | tr '\n' ' ' | sed 's/ $//')"
    check "plan identity: hotfix 1.12.0.1 leaves master at its tags' version" "master keeps 2.0.0dev249" \
        "$(grep -o 'master keeps [^ ]*' plan-hotfix.txt || true)"
    check "git identity: hotfix tags on release-1.12.0" "v1.12.0.1 v1.12.0.2" \
        "$(git -C remotes/identity.git tag --merged release-1.12.0 --list 'v1.12.0.*' | tr '\n' ' ' | sed 's/ $//')"
    check "git identity: show v1.12.0.1:VERSION" "v1.12.0.1" "$(show identity v1.12.0.1:VERSION)"
    check "git identity: master (2.0 by tags only, no version file) untouched by hotfix 1.12.0.1" \
        "$identity_master_0" "$identity_master_1"
    check "git identity: master still without a version file after hotfix 1.12.0.1" "<missing $identity_master_1:VERSION>" \
        "$(show identity "$identity_master_1:VERSION")"
    check "git identity: master (VERSION v2.0.0rc1) untouched by hotfix 1.12.0.2" "$identity_master_2" "$identity_master_3"
    check "git identity: master's VERSION at the end" "v2.0.0rc1" "$(show identity master:VERSION)"
    build="$(grep -o '[0-9][^ ]*\.[0-9]\{8\}\.[0-9]\{6\}' push.txt | head -1)"
    check "push identity: a master on 2.0 by its tags only (no version file) builds as 2.0.0dev249.STAMP" \
        "2.0.0dev249" "${build%.*.*}"
fi
if has spaceone-design-system; then
    check "git spaceone-design-system: show v2.0.0rc1:package.json version" "2.0.0-rc.1" \
        "$(show spaceone-design-system v2.0.0rc1:package.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])' 2>&1)"
fi

# pip: a fresh virtual environment, the index is pypiserver only.
if has spacectl; then
    python3 -m venv --without-pip venv
    if python3 -m pip --python venv/bin/python install --quiet --no-cache-dir --disable-pip-version-check \
        --index-url "$pypi/simple/" "spacectl$suffix==2.0.0rc1" >pip.log 2>&1; then
        expected="spacectl 2.0.0rc1"
        has python-core && expected="$expected core"
        has api && expected="$expected api"
        check "pip install spacectl$suffix==2.0.0rc1 (index $pypi), then run its entry point" "$expected" \
            "$(venv/bin/spacectl 2>&1 || true)"
        check "pip: what the entry point's requirements installed" \
            "$(for r in python-core:spaceone-core api:spaceone-api; do has "${r%%:*}" && printf '%s%s==2.0.0rc1 ' "${r#*:}" "$suffix"; done | sed 's/ $//')" \
            "$(python3 -m pip --python venv/bin/python list --format freeze 2>/dev/null | grep -E '^spaceone-(core|api)' | sort -r | tr '\n' ' ' | sed 's/ $//')"
    else
        check "pip install spacectl$suffix==2.0.0rc1 (index $pypi)" "installed" "$(tail -3 pip.log | tr '\n' ' ')"
    fi
fi
if has identity; then
    mkdir -p wheels
    page="$(curl -sSf "$pypi/simple/spaceone-identity$suffix/" || true)"
    href="$(printf '%s' "$page" | grep -o 'href="[^"]*2\.0\.0rc1-py3-none-any\.whl[^"]*"' | head -1 | sed 's/^href="//;s/[#"].*//')"
    case "$href" in http*) url="$href" ;; /*) url="$pypi$href" ;; *) url="$pypi/simple/spaceone-identity$suffix/$href" ;; esac
    metadata="$( [ -n "$href" ] && curl -sSf -o wheels/identity.whl "$url" && python3 - <<'EOF'
import zipfile
z = zipfile.ZipFile("wheels/identity.whl")
name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
print(z.read(name).decode())
EOF
)" || metadata=""
    check "pip: identity wheel METADATA Version" "2.0.0rc1" "$(printf '%s\n' "$metadata" | sed -n 's/^Version: //p')"
    check "pip: identity wheel METADATA Requires-Dist" \
        "$(for r in python-core:spaceone-core api:spaceone-api; do has "${r%%:*}" && printf '%s%s ' "${r#*:}" "$suffix"; done | sed 's/ $//')" \
        "$(printf '%s\n' "$metadata" | sed -n 's/^Requires-Dist: //p' | sort -r | tr '\n' ' ' | sed 's/ $//')"
    # The same commit built by the project's own build, outside flotilla.
    git clone --quiet --branch v2.0.0rc1 remotes/identity.git identity-src 2>/dev/null
    own="$(cd identity-src && PACKAGE_VERSION=2.0.0rc1 python3 -m build --wheel --no-isolation --outdir ../own-wheel src >../own-build.log 2>&1 \
        && python3 -c 'import glob, zipfile; z = zipfile.ZipFile(glob.glob("../own-wheel/*.whl")[0]); print(z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode())')" || own="<build failed: see $dir/own-build.log>"
    check "pip: identity wheel METADATA equals python -m build's from tag v2.0.0rc1" "same" \
        "$([ "$own" = "$metadata" ] && echo same || echo different)"
    check "pip: identity wheel holds its package_data" "spaceone/identity/template/mail.html" \
        "$(python3 -c 'import zipfile; print("\n".join(n for n in zipfile.ZipFile("wheels/identity.whl").namelist() if n.endswith(".html")))' 2>/dev/null)"
fi

# npm: install from verdaccio into a fresh project and require the built file.
if has spaceone-design-system; then
    package="@spaceone/design-system$suffix"
    mkdir -p npm-check && printf '{"name":"npm-check","private":true}\n' >npm-check/package.json
    if (cd npm-check && npm install --silent --no-audit --no-fund --registry "$npm_url" "$package@2.0.0-rc.1" >../npm.log 2>&1); then
        check "npm install $package@2.0.0-rc.1, then require() its prepack-built dist/index.js" "2.0.0-rc.1" \
            "$(cd npm-check && node -e "console.log(require('$package').version)" 2>&1)"
        check "npm: the packed files (files: [dist])" "dist/index.js package.json" \
            "$(cd "npm-check/node_modules/$package" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ' | sed 's/ $//')"
    else
        check "npm install $package@2.0.0-rc.1" "installed" "$(tail -3 npm.log | tr '\n' ' ')"
    fi
fi

# The image and the chart in the OCI registry.
if has identity; then
    if command -v skopeo >/dev/null; then
        digest="$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$oci_host/$namespace/identity:2.0.0rc1" 2>&1 || true)"
        tool=skopeo
    else
        digest="$(curl -sSfI -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$oci/v2/$namespace/identity/manifests/2.0.0rc1" | tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')"
        tool=curl
    fi
    check "image ($tool): $namespace/identity:2.0.0rc1 in the registry" "sha256" "${digest%%:*}"
    check "image (registry API), master push: $namespace-dev/identity:$build in the registry" "present" \
        "$(curl -sSf -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$oci/v2/$namespace-dev/identity/manifests/$build" && echo present || echo missing)"
    for v in 1.12.0.1 1.12.0.2; do
        check "image (registry API): $namespace/identity:$v in the registry" "present" \
            "$(curl -sSf -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$oci/v2/$namespace/identity/manifests/$v" && echo present || echo missing)"
    done
    chart_values() { # VERSION -> values.yaml and Chart.yaml of the published chart
        python3 - "$oci" "$1" "charts$suffix" <<'EOF'
import io, json, sys, tarfile, urllib.request
oci, version, path = sys.argv[1:4]
req = urllib.request.Request(f"{oci}/v2/{path}/identity/manifests/{version}",
                             headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
manifest = json.load(urllib.request.urlopen(req))
layer = next(l for l in manifest["layers"] if l["mediaType"].endswith("chart.content.v1.tar+gzip"))
blob = urllib.request.urlopen(f"{oci}/v2/{path}/identity/blobs/{layer['digest']}").read()
tar = tarfile.open(fileobj=io.BytesIO(blob))
import re
values = tar.extractfile("identity/values.yaml").read().decode()
chart = tar.extractfile("identity/Chart.yaml").read().decode()
image = re.search(r"^image:\n(?:  .*\n)*?  version: (\S+)", values, re.M)
field = lambda key: re.search(r"^%s: (\S+)" % key, chart, re.M).group(1).strip("\"'")
print(image.group(1) if image else "<no image.version>", field("version"), field("appVersion"))
EOF
    }
    check "chart (registry API): charts$suffix/identity:2.0.0-rc.1 image.version, version, appVersion" \
        "2.0.0rc1 2.0.0-rc.1 2.0.0rc1" "$(chart_values 2.0.0-rc.1 2>&1 | tail -1)"
    check "chart (registry API): charts$suffix/identity:1.12.0_hotfix.1 (1.12.0+hotfix.1) image.version, version, appVersion" \
        "1.12.0.1 1.12.0+hotfix.1 1.12.0.1" "$(chart_values 1.12.0_hotfix.1 2>&1 | tail -1)"
fi

seconds=$(( $(date +%s) - started ))
say "summary"
printf 'repositories: %s  seconds: %s  checks passed: %s  failed: %s\n' "${#repos[@]}" "$seconds" "$passed" "$failed"
[ "$failed" -eq 0 ]
