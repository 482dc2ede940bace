"""The end state of a fleet after a train, read with independent tools (git, the registries'
HTTP APIs, the registries' data directories) and flotilla's own JSON output, normalised so
that two runs of the same train compare equal when they did the same thing.

Normalisation: commit and tag objects are named by a hash of what they hold without dates
(a train stamps its commits with its start time, so two trains of the same request differ
only there); image digests, which cover the commit id in the revision label, by a hash of
their config with commit ids replaced by those names; ids and timestamps become placeholders.
"""

import hashlib
import json
import os
import re
import subprocess
import urllib.request

ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?")
SHA1 = re.compile(r"\b[0-9a-f]{40}\b")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
MANIFEST_TYPES = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])


def short_hash(*parts):
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def run(argv, cwd=None, check=True, timeout=120):
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")
    env.pop("GIT_DIR", None)
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {result.returncode}: {result.stderr.strip()}")
    return result


def ident(line):
    """'Name <mail> 1700000000 +0000' without the date."""
    return re.sub(r"\s+\d+\s+[+-]\d{4}$", "", line)


class Names:
    """Date-free names of git objects and registry digests, shared by everything one state holds."""

    def __init__(self):
        self.objects = {}
        self.digests = {}

    def commit(self, sha):
        return self.objects.get(sha, "<unknown commit>")

    def text(self, value):
        """Normalises a string: known ids by name, unknown ids and times by placeholders."""
        value = DIGEST.sub(lambda m: self.digests.get(m.group(0), m.group(0)), value)
        value = SHA1.sub(lambda m: self.objects.get(m.group(0), "<sha>"), value)
        value = ULID.sub("<id>", value)
        return TIME.sub("<time>", value)

    def json(self, value):
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value


def git_objects(bare, names):
    """Names every commit reachable from a ref (parents first) and every annotated tag."""
    out = run(["git", "-C", bare, "log", "--all", "--topo-order", "--reverse",
               "--format=%H%x00%T%x00%P%x00%an <%ae>%x00%cn <%ce>%x00%B%x01"]).stdout
    commits = 0
    for record in out.split("\x01"):
        record = record.lstrip("\n")
        if not record:
            continue
        sha, tree, parents, author, committer, message = record.split("\x00", 5)
        parent_names = [names.objects.get(p, "<unknown>") for p in parents.split()]
        names.objects[sha] = "c:" + short_hash(tree, *parent_names, author, committer, message)
        commits += 1
    out = run(["git", "-C", bare, "for-each-ref", "refs/tags",
               "--format=%(objecttype)%00%(objectname)%00%(*objectname)%00%(refname)%00"
               "%(taggername) %(taggeremail)%00%(contents)%01"]).stdout
    for record in out.split("\x01"):
        record = record.lstrip("\n")
        if not record:
            continue
        kind, sha, target, ref, tagger, message = record.split("\x00", 5)
        if kind == "tag":
            names.objects[sha] = "t:" + short_hash(names.commit(target), ref, tagger, message)
    return commits


def deploy_objects(bare, names):
    """Names the deploy repository's commits by what each changed (message, author, the -U0
    patch), not by their parents: deployments of one wave commit in whatever order they finish,
    so the chain differs between two good runs while the set of changes does not."""
    shas = run(["git", "-C", bare, "rev-list", "--all"]).stdout.split()
    for sha in shas:
        shown = run(["git", "-C", bare, "show", "-U0", "--no-color", "--format=%an <%ae>%n%B",
                     sha]).stdout
        patch = "\n".join(line for line in shown.splitlines() if not line.startswith("index "))
        names.objects[sha] = "d:" + short_hash(names.text(patch))
    return len(shas)


def git_state(bare, names, files=()):
    refs = {}
    out = run(["git", "-C", bare, "for-each-ref", "--format=%(refname) %(objectname)"]).stdout
    for line in out.splitlines():
        ref, sha = line.split(" ", 1)
        refs[ref] = names.objects.get(sha, "<unnamed " + sha + ">")
    state = {"refs": refs}
    if files:
        state["files"] = {}
        for path in files:
            shown = run(["git", "-C", bare, "show", f"master:{path}"], check=False)
            # As lines, so that a diff shows the line that differs.
            state["files"][path] = shown.stdout.splitlines() if shown.returncode == 0 else None
        # As a sorted list: the order of one wave's deployments is not the train's to fix.
        log = run(["git", "-C", bare, "log", "--format=%H %s", "master"]).stdout
        state["master_commits"] = sorted(
            f"{names.objects.get(line[:40], '<sha>')} {line[41:]}" for line in log.splitlines())
        state["refs"] = {ref: "<a head over the commits above>" for ref in state["refs"]}
    return state


def http_json(url, accept=None, timeout=30):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
        return json.loads(body), response.headers, body


def oci_state(url, data_dir, names):
    """Every tag of every repository of the registry, named by canonical content, and how many
    manifests each repository holds on disk (a re-push of other bytes adds one)."""
    state = {}
    catalog, _, _ = http_json(f"{url}/v2/_catalog?n=1000")
    for repo in sorted(catalog.get("repositories") or []):
        tags_doc, _, _ = http_json(f"{url}/v2/{repo}/tags/list")
        tags = {}
        for tag in sorted(tags_doc.get("tags") or []):
            manifest, headers, body = http_json(f"{url}/v2/{repo}/manifests/{tag}", MANIFEST_TYPES)
            digest = headers.get("Docker-Content-Digest") or "sha256:" + hashlib.sha256(body).hexdigest()
            config = manifest.get("config") or {}
            config_text = ""
            if config.get("digest"):
                with urllib.request.urlopen(f"{url}/v2/{repo}/blobs/{config['digest']}",
                                            timeout=30) as response:
                    config_text = names.text(response.read().decode("utf-8", "replace"))
            layers = [layer.get("digest", "") for layer in manifest.get("layers") or []]
            name = "oci:" + short_hash(config_text, *layers,
                                       json.dumps(manifest.get("annotations") or {}, sort_keys=True))
            names.digests[digest] = name
            tags[tag] = name
        revisions = os.path.join(data_dir, "docker/registry/v2/repositories", repo,
                                 "_manifests/revisions/sha256")
        stored = len(os.listdir(revisions)) if os.path.isdir(revisions) else 0
        state[repo] = {"tags": tags, "manifests_stored": stored}
    return state


def layout_state(root, names):
    """The image layout the fleet publishes to: every tag (annotation ref.name) by canonical
    content, and how many manifests its index lists (a re-push of other bytes adds one)."""
    index_path = os.path.join(root, "index.json")
    if not os.path.exists(index_path):
        return {"tags": {}, "manifests_listed": 0, "blobs": 0}

    def blob(digest):
        with open(os.path.join(root, "blobs", *digest.split(":", 1)), "rb") as data:
            return data.read()

    with open(index_path, encoding="utf-8") as data:
        index = json.load(data)
    tags = {}
    for entry in index.get("manifests") or []:
        ref = (entry.get("annotations") or {}).get("org.opencontainers.image.ref.name", "")
        manifest = json.loads(blob(entry["digest"]))
        config = names.text(blob(manifest["config"]["digest"]).decode("utf-8", "replace"))
        layers = [layer.get("digest", "") for layer in manifest.get("layers") or []]
        name = "oci:" + short_hash(config, *layers,
                                   json.dumps(manifest.get("annotations") or {}, sort_keys=True))
        names.digests[entry["digest"]] = name
        tags.setdefault(ref, []).append(name)
    blobs = os.path.join(root, "blobs", "sha256")
    files = os.listdir(blobs) if os.path.isdir(blobs) else []
    # A writer killed between writing a temporary file and renaming it leaves the file behind:
    # litter, not an artifact (no reader of the layout sees it), so it is reported apart.
    litter = sorted(f for f in files if not re.fullmatch(r"[0-9a-f]{64}", f))
    return {"tags": tags, "manifests_listed": len(index.get("manifests") or []),
            "blobs": len(files) - len(litter), "litter": litter}


def layouts_state(root, names):
    """Every image layout under ROOT (one per image repository: ROOT/<namespace>/<name>)."""
    state = {}
    for current, _, files in os.walk(root):
        if "index.json" in files and "oci-layout" in files:
            state[os.path.relpath(current, root)] = layout_state(current, names)
    return dict(sorted(state.items()))


def pypi_state(url, data_dir):
    """Files per project as the index lists them (name and sha256), and the files on disk."""
    state = {}
    with urllib.request.urlopen(f"{url}/simple/", timeout=30) as response:
        index = response.read().decode()
    for project in sorted(set(re.findall(r'href="[^"]*?/?simple/([^/"]+)/?"', index))
                          | set(re.findall(r'href="([^/"]+)/"', index))):
        with urllib.request.urlopen(f"{url}/simple/{project}/", timeout=30) as response:
            page = response.read().decode()
        files = {}
        for href in re.findall(r'href="([^"]+)"', page):
            path, _, fragment = href.partition("#")
            files[path.rsplit("/", 1)[-1]] = fragment.replace("sha256=", "sha256:")
        state[project] = files
    on_disk = sorted(os.listdir(data_dir)) if os.path.isdir(data_dir) else []
    return {"projects": state, "files_on_disk": len(on_disk)}


def npm_state(url, data_dir):
    state = {}
    names = []
    if os.path.isdir(data_dir):
        for entry in sorted(os.listdir(data_dir)):
            if entry.startswith("@"):
                names += [f"{entry}/{e}" for e in sorted(os.listdir(os.path.join(data_dir, entry)))]
            elif os.path.isdir(os.path.join(data_dir, entry)):
                names.append(entry)
    for name in names:
        try:
            doc, _, _ = http_json(f"{url}/{name.replace('/', '%2f')}")
        except Exception as err:  # noqa: BLE001 - recorded as the state
            state[name] = {"error": str(err)}
            continue
        versions = {v: (d.get("dist") or {}).get("integrity") or (d.get("dist") or {}).get("shasum")
                    for v, d in (doc.get("versions") or {}).items()}
        tarballs = [f for f in os.listdir(os.path.join(data_dir, name)) if f.endswith(".tgz")]
        state[name] = {"versions": versions, "dist-tags": doc.get("dist-tags"),
                       "tarballs_on_disk": len(tarballs)}
    return state


def flotilla_json(binary, fleet, *args, timeout=120):
    result = run([binary, "-f", os.path.join(fleet, "flotilla.yaml"), "--json", *args],
                 cwd=fleet, check=False, timeout=timeout)
    try:
        return json.loads(result.stdout) if result.stdout.strip() else None
    except json.JSONDecodeError:
        return {"unparsed": result.stdout[-2000:], "exit": result.returncode}


def store_state(binary, fleet, repos, names):
    """Store rows through the CLI: trains and their runs, the status of every repository, and
    every deployment of every service in every environment."""
    trains = flotilla_json(binary, fleet, "release", "list", "--limit", "10000") or []
    train_rows = []
    for train in trains:
        status = flotilla_json(binary, fleet, "release", "status", train["id"]) or {}
        runs = [{k: names.json(r.get(k)) for k in ("repo", "wave", "version", "status",
                                                    "last_step", "error")}
                for r in sorted(status.get("runs") or [], key=lambda r: r.get("repo", ""))]
        train_rows.append({"kind": train.get("kind"), "version": train.get("version"),
                           "status": train.get("status"), "runs": runs})
    status = flotilla_json(binary, fleet, "status") or []
    repo_rows = {}
    for row in status:
        artifacts = sorted((names.json({k: a.get(k) for k in ("kind", "name", "version",
                                                              "digest", "target")})
                            for a in row.get("artifacts") or []),
                           key=lambda a: json.dumps(a, sort_keys=True))
        repo_rows[row["repo"]] = {"master_version": row.get("master_version"),
                                  "last_tag": row.get("last_tag"), "artifacts": artifacts}
    deployments, recovered = {}, {}
    for repo in repos:
        if not repo.image():
            continue
        history = flotilla_json(binary, fleet, "deploy", "history", repo.name, "--limit", "10000")
        rows = []
        for d in history or []:
            rows.append(names.json({k: d.get(k) for k in ("environment", "version", "image",
                                                          "digest", "status", "trigger",
                                                          "error", "detail")}))
        rows, attempts = split_recovered_attempts(rows)
        deployments[repo.name] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))
        if attempts:
            recovered[repo.name] = attempts
    return {"trains": train_rows, "repositories": repo_rows, "deployments": deployments,
            "recovered_attempts": recovered}


def split_recovered_attempts(rows):
    """(rows to compare, failed attempts a later success made good). A deployment the deploy
    repository refused is history, kept by flotilla as a failed row; it is no lost effect once
    the same digest reached the same environment. A failed row with no such success stays in
    the compared rows, so a deployment that never happened still shows as a difference."""
    done = {(r.get("environment"), r.get("digest")) for r in rows
            if r.get("status") == "succeeded"}
    attempts = [r for r in rows
                if r.get("status") == "failed" and (r.get("environment"), r.get("digest")) in done]
    return [r for r in rows if r not in attempts], attempts


def capture(binary, fleet, repos, registries, environments=("dev", "stg")):
    """The whole normalised end state of FLEET after a train."""
    names = Names()
    remotes = os.path.join(fleet, "remotes")
    commit_counts = {}
    for repo in repos:
        commit_counts[repo.name] = git_objects(os.path.join(remotes, repo.name + ".git"), names)
    git = {r.name: git_state(os.path.join(remotes, r.name + ".git"), names) for r in repos}
    # Images name their digests by the commits above; deploy commits quote image digests.
    images = layouts_state(os.path.join(fleet, ".flotilla", "artifacts", "oci"), names)
    commit_counts["deploy"] = deploy_objects(os.path.join(remotes, "deploy.git"), names)
    deploy = git_state(os.path.join(remotes, "deploy.git"), names,
                       files=[f"values/{env}.yaml" for env in environments])
    oci = oci_state(registries["oci"].url, os.path.join(registries["oci"].root, "data"), names)
    pypi = pypi_state(registries["pypi"].url, os.path.join(registries["pypi"].root, "data"))
    npm = npm_state(registries["npm"].url, os.path.join(registries["npm"].root, "data"))
    store = store_state(binary, fleet, repos, names)
    litter = [f"{path}/blobs/sha256/{name}" for path, layout in images.items()
              for name in layout.pop("litter")]
    return {"git": git, "deploy": deploy, "images": images, "oci": oci, "pypi": pypi, "npm": npm,
            "store": store, "counts": counts(commit_counts, git, images, oci, pypi, npm, store),
            "litter": sorted(litter)}


def counts(commit_counts, git, images, oci, pypi, npm, store):
    """What duplicates would show in: objects of each kind, summed over the fleet."""
    rows = [d for ds in store["deployments"].values() for d in ds]
    return {
        "tags": sum(1 for s in git.values() for ref in s["refs"] if ref.startswith("refs/tags/")),
        "commits": sum(n for repo, n in commit_counts.items() if repo != "deploy"),
        "deploy_commits": commit_counts.get("deploy", 0),
        "image_tags": sum(len(i["tags"]) for i in images.values()),
        "image_manifests_listed": sum(i["manifests_listed"] for i in images.values()),
        "image_blobs": sum(i["blobs"] for i in images.values()),
        "chart_tags": sum(len(r["tags"]) for r in oci.values()),
        "chart_manifests_stored": sum(r["manifests_stored"] for r in oci.values()),
        "pypi_files": sum(len(f) for f in pypi["projects"].values()),
        "npm_versions": sum(len(p.get("versions") or {}) for p in npm.values()),
        "npm_tarballs": sum(p.get("tarballs_on_disk", 0) for p in npm.values()),
        "trains": len(store["trains"]),
        "deployments": len(rows),
        "deployments_running": sum(1 for d in rows if d.get("status") == "running"),
    }
