"""Generates a trial fleet: bare repositories shaped like `flotilla demo`'s sample fleet (Python
packages, an npm package, images, charts, GitOps deploys), grown to any size with more backend
services and plugins, and the manifest that publishes to the given registries.

Every generation gives the same commits (fixed dates and identity), so a copy of a fleet and a
fresh generation are interchangeable.
"""

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

# The demo's twelve repositories (crates/flotilla-engine/src/demo/sample_fleet.rs).
SAMPLE = [
    ("api", "backend-core", []),
    ("python-core", "backend-core", []),
    ("spaceone-design-system", "frontend-core", []),
    ("console", "frontend", ["spaceone-design-system"]),
    ("console-api", "frontend", ["api"]),
    ("identity", "backend", ["python-core", "api"]),
    ("inventory", "backend", ["python-core", "api"]),
    ("config", "backend", ["python-core", "api"]),
    ("monitoring", "backend", ["python-core", "api"]),
    ("plugin-aws-ec2-inven-collector", "plugin", ["python-core"]),
    ("plugin-slack-notification-protocol", "plugin", ["python-core"]),
    ("spacectl", "tool", ["api"]),
]

BUILD_SCRIPT = """#!/bin/sh
set -eu
mkdir -p image/app
printf 'repo=%s\\nversion=%s\\npep440=%s\\nevent=%s\\n' \\
  "$FLOTILLA_REPO" "$FLOTILLA_VERSION" "$FLOTILLA_PEP440" "$FLOTILLA_EVENT" > image/app/build-info.txt
echo "built $FLOTILLA_REPO $FLOTILLA_VERSION"
"""

GIT_ENV = {
    "GIT_AUTHOR_NAME": "reliability",
    "GIT_AUTHOR_EMAIL": "reliability@example.invalid",
    "GIT_COMMITTER_NAME": "reliability",
    "GIT_COMMITTER_EMAIL": "reliability@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
}


@dataclass
class Repo:
    name: str
    category: str
    depends_on: list = field(default_factory=list)

    def python(self):
        return self.category in ("backend-core", "backend", "tool")

    def npm(self):
        return self.category == "frontend-core"

    def image(self):
        return self.category in ("frontend", "backend", "plugin", "tool")

    def chart(self):
        return self.category in ("frontend", "backend")

    def master_push(self):
        return not self.category.endswith("-core")

    def image_name(self):
        return self.name[len("plugin-"):] if self.name.startswith("plugin-") else self.name

    def files(self):
        files = {
            "VERSION": "v0.9.0\n",
            "README.md": f"# {self.name}\n\nA {self.category} repository of the reliability trials.\n",
            ".github/workflows/ci.yaml": "name: ci\non: [push]\n",
            "scripts/build.sh": BUILD_SCRIPT,
        }
        if self.python():
            package = "spaceone_" + self.name.replace("-", "_")
            files[f"src/{package}/__init__.py"] = f'NAME = "{self.name}"\n'
        if self.npm():
            files["package.json"] = (
                f'{{\n  "name": "{self.name}",\n  "version": "0.0.0",\n'
                '  "main": "index.js",\n  "license": "Apache-2.0"\n}\n'
            )
            files["index.js"] = f'module.exports = {{ name: "{self.name}" }};\n'
        if self.image():
            files["image/app/service.txt"] = f"service={self.name}\n"
        if self.chart():
            files["deploy/helm/Chart.yaml"] = (
                f"apiVersion: v2\nname: {self.name}\ndescription: A Helm chart for {self.name}\n"
                'type: application\nversion: 0.0.0\nappVersion: "0.0.0"\n'
            )
            files["deploy/helm/values.yaml"] = (
                f"image:\n  name: spaceone/{self.name}\n  version: latest\n"
            )
        return files

    def manifest_entry(self):
        lines = [f"  - name: {self.name}", f"    remote: remotes/{self.name}.git",
                 f"    category: {self.category}"]
        if self.depends_on:
            lines.append(f"    depends_on: [{', '.join(self.depends_on)}]")
        if self.python():
            lines += ["    python:", f"      name: spaceone-{self.name}", "      source: src"]
        if self.image():
            lines += ["    image:", "      context: image"]
        on = "[push, tag]" if self.master_push() else "[tag]"
        lines += ["    commands:", "      - name: build", "        argv: [sh, scripts/build.sh]",
                  f"        on: {on}", "        timeout_secs: 60"]
        return "\n".join(lines) + "\n"


def repos_of(count, kinds="mixed"):
    """`count` repositories: the sample's twelve first, then alternately backend services and
    plugins. kinds="plugins" gives only image plugins (the serve trials: one master push each)."""
    if kinds == "plugins":
        return [Repo(f"plugin-{i:03d}", "plugin") for i in range(1, count + 1)]
    repos = [Repo(n, c, list(d)) for n, c, d in SAMPLE[:count]]
    i = 1
    while len(repos) < count:
        if i % 2:
            repos.append(Repo(f"service-{i:03d}", "backend", ["python-core", "api"]))
        else:
            repos.append(Repo(f"plugin-extra-{i:03d}", "plugin", ["python-core"]))
        i += 1
    return repos


def deploy_values(repos, env):
    text = f"# Umbrella chart values for {env}; flotilla writes image versions back here.\n"
    for repo in repos:
        if repo.image():
            text += (f"{repo.name}:\n  enabled: true\n  image:\n    name: spaceone/{repo.image_name()}\n"
                     "    version: latest  # set by flotilla\n")
    return text


def git(*args, cwd=None):
    env = dict(os.environ, **GIT_ENV)
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def seed_bare(bare, files, message):
    with tempfile.TemporaryDirectory() as src:
        for path, text in files.items():
            full = os.path.join(src, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as out:
                out.write(text)
        git("init", "--quiet", "--initial-branch=master", src)
        git("add", "--all", cwd=src)
        git("commit", "--quiet", "-m", message, cwd=src)
        git("init", "--quiet", "--bare", "--initial-branch=master", bare)
        git("push", "--quiet", bare, "master", cwd=src)


def manifest(repos, registries, namespace="spaceone", environments=("dev", "stg"), settings=None):
    """registries: {"oci": url (charts), "pypi": url, "npm": url}; a missing one uses a local
    directory. settings: more `settings:` keys."""
    text = (f"settings:\n  image_namespace: {namespace}\n  timezone: UTC\n"
            "  gate_timeout_secs: 30\n")
    text += "".join(f"  {key}: {value}\n" for key, value in (settings or {}).items())
    text += "registries:\n"
    local = {"oci": ".flotilla/artifacts/oci", "pypi": ".flotilla/artifacts/pypi",
             "npm": ".flotilla/artifacts/npm"}
    charts = registries.get("oci")
    # Images go to an OCI layout in the fleet: `release start` deploys only images it publishes
    # there itself (a registry server announces its pushes to `flotilla serve` instead).
    entries = [("images", "image", None, local["oci"]),
               ("pypi", "pypi", registries.get("pypi"), local["pypi"]),
               ("npm", "npm", registries.get("npm"), local["npm"]),
               ("charts", "chart", charts and charts.rstrip("/") + "/charts",
                ".flotilla/artifacts/charts")]
    for name, kind, url, fallback in entries:
        if url:
            text += f"  {name}:\n    kind: {kind}\n    url: {url}\n    insecure: true\n"
        else:
            text += f"  {name}:\n    kind: {kind}\n    url: {fallback}\n"
    text += "repositories:\n" + "".join(r.manifest_entry() for r in repos)
    text += "environments:\n"
    channels = {"dev": "dev_builds: true\n    channels: [dev]", "stg": "channels: [rc]"}
    for env in environments:
        text += (f"  - name: {env}\n    {channels[env]}\n"
                 f"    deploy: {{kind: gitops, remote: remotes/deploy.git, file: values/{env}.yaml}}\n")
    return text


def generate(directory, count, registries, kinds="mixed", environments=("dev", "stg"),
             settings=None):
    """Writes DIRECTORY/remotes/*.git, remotes/deploy.git and DIRECTORY/flotilla.yaml."""
    repos = repos_of(count, kinds)
    remotes = os.path.join(directory, "remotes")
    os.makedirs(remotes, exist_ok=True)
    for repo in repos:
        seed_bare(os.path.join(remotes, repo.name + ".git"), repo.files(),
                  f"Initial commit of {repo.name}")
    seed_bare(os.path.join(remotes, "deploy.git"),
              {f"values/{env}.yaml": deploy_values(repos, env) for env in environments},
              "Deploy values")
    with open(os.path.join(directory, "flotilla.yaml"), "w", encoding="utf-8") as out:
        out.write(manifest(repos, registries, environments=environments, settings=settings))
    return repos


def copy(source, destination):
    """A fresh copy of a generated fleet (remotes and manifest, never .flotilla state)."""
    if os.path.exists(destination):
        shutil.rmtree(destination)
    os.makedirs(destination)
    shutil.copytree(os.path.join(source, "remotes"), os.path.join(destination, "remotes"),
                    symlinks=True)
    shutil.copy2(os.path.join(source, "flotilla.yaml"), destination)
