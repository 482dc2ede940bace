#!/usr/bin/env python3
"""Architecture checks that the compiler does not make.

1. No file imports another file in a circle, per crate target (lib, bin, tests/it, benches).
   Each `.rs` file is a node; an edge A -> B means a path in A (a `use` tree, or a
   `crate::`/`super::`/`self::`/child-module path in code) resolves to the module file B.
   A child using `super::X` while its parent uses `child::Y` is a circle, as is a longer ring.
   Declaring `mod child;` alone is not an edge: that is ownership, not use.
2. flotilla-core's src does no I/O: it plans, others act (no std::fs, std::process, std::net,
   tokio, reqwest).

Usage: scripts/check-architecture.py [--self-test] [ROOT]
Exit 1 on any circle or forbidden import, with the files and lines that make it.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from dataclasses import dataclass, field

FORBIDDEN_IN_CORE = ("std::fs", "std::process", "std::net", "tokio", "reqwest")
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_source(text: str) -> str:
    """Blanks comments, strings and char literals (keeping newlines), so that only code is scanned."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif (m := re.match(r'b?r(#*)"', text[i:i + 300])) and (i == 0 or not re.match(r"\w", text[i - 1])):
            end = '"' + m.group(1)
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'" and (m := re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12])):
            out.append(" " * m.end())
            i += m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use_tree(tree: str) -> list[tuple[str, str]]:
    """`a::{b, c::{self, e as f}}` -> [("a::b", "b"), ("a::c", "c"), ("a::c::e", "f")]: paths and
    the names they bind."""
    tree = re.sub(r"\s+as\s+(" + IDENT + ")", r"=\1", tree)
    tree = re.sub(r"\s+", "", tree)
    paths: list[tuple[str, str]] = []

    def walk(prefix: str, s: str) -> None:
        depth, start, parts = 0, 0, []
        for k, ch in enumerate(s):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(s[start:k])
                start = k + 1
        parts.append(s[start:])
        for part in filter(None, parts):
            brace = part.find("{")
            if brace >= 0:
                walk(prefix + part[:brace], part[brace + 1:part.rindex("}")])
                continue
            part, _, alias = part.partition("=")
            path = (prefix + part).rstrip(":")
            if path.endswith("::self"):
                path = path[: -len("::self")]
            paths.append((path, alias or path.rsplit("::", 1)[-1]))

    walk("", tree)
    return paths


@dataclass
class Module:
    path: tuple[str, ...]
    file: str
    children: dict[str, str] = field(default_factory=dict)  # name -> file


@dataclass
class Edge:
    src: str
    dst: str
    line: int
    text: str


def module_dir(file: str) -> str:
    base = os.path.basename(file)
    if base in ("lib.rs", "main.rs", "mod.rs") or file.endswith("/tests/it/main.rs"):
        return os.path.dirname(file)
    return os.path.splitext(file)[0]


class Target:
    """One compilation unit: its module tree and the import edges between its files."""

    def __init__(self, root_file: str):
        self.root = root_file
        self.modules: dict[tuple[str, ...], Module] = {}
        self.file_module: dict[str, tuple[str, ...]] = {}
        self.sources: dict[str, str] = {}
        self.problems: list[str] = []
        self._uses: dict[str, list[tuple[int, bool, str, str]]] = {}
        self._load((), root_file, is_root=True)

    def _load(self, path: tuple[str, ...], file: str, is_root: bool = False) -> None:
        with open(file, encoding="utf-8") as fh:
            raw = fh.read()
        code = strip_source(raw)
        self.sources[file] = code
        mod = Module(path, file)
        self.modules[path] = mod
        self.file_module[file] = path
        directory = os.path.dirname(file) if is_root else module_dir(file)
        for m in re.finditer(r"(#\[path\s*=\s*\"([^\"]+)\"\]\s*)?\b(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*;", code):
            name = m.group(3)
            explicit = re.search(r'#\[path\s*=\s*"([^"]+)"\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+' + name + r"\s*;", raw)
            if explicit:
                candidates = [os.path.join(os.path.dirname(file), explicit.group(1))]
            else:
                candidates = [os.path.join(directory, name + ".rs"), os.path.join(directory, name, "mod.rs")]
            child = next((c for c in candidates if os.path.isfile(c)), None)
            if child is None:
                self.problems.append(f"{file}: mod {name}; has no file ({' or '.join(candidates)})")
                continue
            mod.children[name] = child
            self._load(path + (name,), child)

    def inline_modules(self, code: str) -> list[tuple[int, int, str]]:
        """Spans of `mod name { ... }` blocks, so `super::` inside them resolves from there."""
        spans = []
        for m in re.finditer(r"\bmod\s+(" + IDENT + r")\s*\{", code):
            depth, j = 1, m.end()
            while j < len(code) and depth:
                depth += {"{": 1, "}": -1}.get(code[j], 0)
                j += 1
            spans.append((m.start(), j, m.group(1)))
        return spans

    def uses(self, file: str) -> list[tuple[int, bool, str, str]]:
        """The file's `use` items outside inline modules: (offset, is re-export, path, bound name)."""
        if file not in self._uses:
            code = self.sources[file]
            spans = self.inline_modules(code)
            found = []
            for m in re.finditer(r"(\bpub\s*(?:\([^)]*\))?\s*)?\buse\s+([^;]*);", code):
                if any(s <= m.start() < e for s, e, _ in spans):
                    continue
                for path, name in expand_use_tree(m.group(2)):
                    found.append((m.start(), bool(m.group(1)), path, name))
            self._uses[file] = found
        return self._uses[file]

    def defines(self, file: str, name: str) -> bool:
        pattern = r"\b(?:struct|enum|union|trait|type|fn|const|static|mod|macro_rules!)\s+" + re.escape(name) + r"\b"
        return re.search(pattern, self.sources[file]) is not None

    def resolve(self, scope: tuple[str, ...], segments: list[str], hops: int = 0) -> str | None:
        """The file that defines what `segments` (seen from `scope`) names: the deepest module on
        the path, or, when that module only imports or re-exports the name, the file it comes from."""
        if not segments or hops > 16:
            return None
        if segments[0] == "crate":
            base, rest = (), segments[1:]
        elif segments[0] in ("self", "super"):
            base, rest = scope, segments
            while rest and rest[0] in ("self", "super"):
                if rest[0] == "super":
                    if not base:
                        return None
                    base = base[:-1]
                rest = rest[1:]
        else:
            # Relative path: only a child module of the scope counts; other names are crates.
            module = self.modules.get(scope)
            if module is None or segments[0] not in module.children:
                return None
            base, rest = scope, segments
        cur = base
        while rest and cur + (rest[0],) in self.modules:
            cur, rest = cur + (rest[0],), rest[1:]
        module = self.modules.get(cur)
        if module is None:
            return None
        if rest and rest[0] != "*" and not self.defines(module.file, rest[0]):
            for _, _, path, name in self.uses(module.file):
                if name == rest[0]:
                    found = self.resolve(cur, path.split("::") + rest[1:], hops + 1)
                    if found is not None:
                        return found
        return module.file

    def edges(self) -> list[Edge]:
        found: list[Edge] = []
        for file, code in self.sources.items():
            file_mod = self.file_module[file]
            spans = self.inline_modules(code)

            def scope_at(pos: int) -> tuple[str, ...]:
                names = [name for start, end, name in sorted(spans) if start <= pos < end]
                return file_mod + tuple(names)

            def add(pos: int, segments: list[str], text: str) -> None:
                scope = scope_at(pos)
                inline = scope[len(file_mod):]
                dst = self.resolve(scope, segments)
                if dst is None or dst == file:
                    return
                # A path that climbs out of an inline module but not out of the file stays here.
                if inline and self.file_module.get(dst) == file_mod:
                    return
                found.append(Edge(file, dst, code.count("\n", 0, pos) + 1, text))

            use_spans = []
            for m in re.finditer(r"(\bpub\s*(?:\([^)]*\))?\s*)?\buse\s+([^;]*);", code):
                use_spans.append((m.start(), m.end()))
                # A re-export is the module's face, not a use of the file it names: callers that
                # go through it are traced on to the defining file by `resolve`.
                if m.group(1):
                    continue
                for path, _ in expand_use_tree(m.group(2)):
                    add(m.start(), [s for s in path.split("::") if s], "use " + path)
            for m in re.finditer(r"(?<![\w:])((?:" + IDENT + r")(?:::" + IDENT + r")+)", code):
                if any(s <= m.start() < e for s, e in use_spans):
                    continue
                add(m.start(), m.group(1).split("::"), m.group(1))
        return found


def tarjan(nodes: list[str], adjacency: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        # Iterative, so deep module trees do not hit the recursion limit.
        work = [(v, iter(sorted(adjacency.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(adjacency.get(w, ())))))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return components


def target_roots(root: str) -> list[str]:
    roots = []
    crates = os.path.join(root, "crates")
    for crate in sorted(os.listdir(crates)):
        base = os.path.join(crates, crate)
        for rel in ("src/lib.rs", "src/main.rs", "tests/it/main.rs"):
            if os.path.isfile(os.path.join(base, rel)):
                roots.append(os.path.join(base, rel))
        for sub in ("benches", "tests", "src/bin"):
            d = os.path.join(base, sub)
            if os.path.isdir(d):
                roots += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".rs")]
    return roots


def check_cycles(root: str) -> list[str]:
    report = []
    for entry in target_roots(root):
        target = Target(entry)
        report += target.problems
        edges = target.edges()
        adjacency: dict[str, set[str]] = {}
        for e in edges:
            adjacency.setdefault(e.src, set()).add(e.dst)
        for component in tarjan(list(target.sources), adjacency):
            members = set(component)
            rel = lambda f: os.path.relpath(f, root)  # noqa: E731
            lines = [f"import circle in {rel(entry)}: " + " <-> ".join(rel(f) for f in component)]
            seen = set()
            for e in sorted(edges, key=lambda e: (e.src, e.line)):
                if e.src in members and e.dst in members and (e.src, e.dst) not in seen:
                    seen.add((e.src, e.dst))
                    lines.append(f"    {rel(e.src)}:{e.line} -> {rel(e.dst)}  ({e.text})")
            report.append("\n".join(lines))
    return report


def check_core_io(root: str) -> list[str]:
    report = []
    src = os.path.join(root, "crates", "flotilla-core", "src")
    if not os.path.isdir(src):
        return report
    pattern = re.compile(r"(?<![\w:])(?:::)?(" + "|".join(re.escape(p) for p in FORBIDDEN_IN_CORE) + r")\b")
    for dirpath, _, files in os.walk(src):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            with open(path, encoding="utf-8") as fh:
                code = strip_source(fh.read())
            hits = [(m.start(), m.group(1)) for m in pattern.finditer(code)]
            for m in re.finditer(r"\buse\s+([^;]*);", code):
                for p, _ in expand_use_tree(m.group(1)):
                    p = p.lstrip(":")
                    if any(p == x or p.startswith(x + "::") for x in FORBIDDEN_IN_CORE):
                        hits.append((m.start(), p))
            for pos, what in sorted(set(hits)):
                line = code.count("\n", 0, pos) + 1
                report.append(f"I/O in flotilla-core: {os.path.relpath(path, root)}:{line} uses {what}"
                              " (core plans; the engine and the CLI do the I/O)")
    return report


FIXTURE = {
    "crates/demo/src/lib.rs": "mod a;\nmod b;\npub mod parent;\nmod fine;\nmod user;\npub use fine::g;\n",
    "crates/demo/src/a.rs": "use crate::b::Thing;\npub struct Other;\n",
    "crates/demo/src/b.rs": "pub struct Thing;\npub fn f() -> crate::a::Other { crate::a::Other }\n",
    # The parent re-exports (no edge) and also calls into the child (an edge).
    "crates/demo/src/parent.rs": (
        "mod child;\npub use child::Kid;\npub struct Shared;\npub fn make() -> Kid { child::Kid(Shared) }\n"
    ),
    # Through the crate root's re-export, this names fine.rs, which imports nothing back.
    "crates/demo/src/user.rs": "pub fn h() { crate::g() }\n",
    "crates/demo/src/parent/child.rs": "use super::Shared;\npub struct Kid(Shared);\n",
    "crates/demo/src/fine.rs": (
        "// use crate::a::Other; in a comment is no import\n"
        "const S: &str = \"crate::b::Thing\";\n"
        "pub fn g() {}\n"
        "#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn t() { g() }\n}\n"
    ),
    "crates/demo/src/main.rs": "fn main() {}\n",
    "crates/flotilla-core/src/lib.rs": "use std::{collections::HashMap, fs};\npub fn f() { let _ = tokio::spawn; }\n",
}


def self_test() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in FIXTURE.items():
            path = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        cycles = check_cycles(tmp)
        io = check_core_io(tmp)
    failures = []
    heads = [c.splitlines()[0] for c in cycles]
    expected = [
        "import circle in crates/demo/src/lib.rs: crates/demo/src/a.rs <-> crates/demo/src/b.rs",
        "import circle in crates/demo/src/lib.rs: crates/demo/src/parent.rs <-> crates/demo/src/parent/child.rs",
    ]
    if sorted(heads) != sorted(expected):
        failures.append(f"cycles: expected {expected}, got {heads}")
    if [x.split(" uses ")[1].split(" ")[0] for x in io] != ["std::fs", "tokio"]:
        failures.append(f"core I/O: expected std::fs and tokio, got {io}")
    for f in failures:
        print("self-test FAILED: " + f, file=sys.stderr)
    if not failures:
        print("check-architecture self-test: ok")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if "--self-test" in argv:
        return self_test()
    args = [a for a in argv if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    root = os.path.abspath(root)
    report = check_cycles(root) + check_core_io(root)
    for line in report:
        print(line)
    if report:
        print(f"check-architecture: {len(report)} problem(s)", file=sys.stderr)
        return 1
    print("check-architecture: no import circles, no I/O in flotilla-core")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
