"""The package's layout: no import cycles between modules or between the book's subpackages.

Why: a cycle means two modules cannot be read (or tested) one without the other, and the
floors of the package (chapter helpers in hw7.present -> families -> store -> findings -> instructor tools -> CLI) stop
being floors. Every import counts, including those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hw7

PACKAGE = Path(hw7.__file__).parent


def _module_name(path: Path) -> str:
    parts = ["hw7", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path) -> set[str]:
    """The hw7 modules that ``name`` imports (``from hw7.a import b`` counts b if it is a module, else a)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "hw7"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "hw7":
                continue
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes, or None (depth-first search with colours)."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if colour.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in colour and (found := visit(nxt)):
                return found
        stack.pop()
        colour[node] = 2
        return None

    for start in sorted(graph):
        if start not in colour and (found := visit(start)):
            return found
    return None


def _package(module: str) -> str:
    """The subpackage a module lives in (``hw7.mnist.engine`` -> ``hw7.mnist``); top-level modules stand alone."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()) else module


def test_cycle_finder_can_fail():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_one_that_imports_it_back():
    assert _cycle(GRAPH) is None


def test_subpackages_depend_one_way():
    packages: dict[str, set[str]] = {}
    for module, deps in GRAPH.items():
        mine = _package(module)
        packages.setdefault(mine, set()).update(_package(d) for d in deps if _package(d) != mine and _package(d) != "hw7")
    assert _cycle(packages) is None


@pytest.mark.parametrize("family", ["hw7.problem1", "hw7.mnist", "hw7.readings", "hw7.present", "hw7.booktools"])
def test_families_and_book_helpers_never_import_the_store(family):
    """The store collects the families' experiments; the families do not reach back into it."""
    offenders = {m: sorted(d for d in deps if d.startswith(("hw7.store", "hw7.instructors", "hw7.cli")))
                 for m, deps in GRAPH.items() if m.startswith(family)}
    assert {m: d for m, d in offenders.items() if d} == {}


def test_nothing_in_the_package_calls_the_build_tools():
    """hw7.booktools (preview, render check, freeze guard) builds the book around the package; the package and its
    chapters never need it, so it can change without touching a result."""
    callers = {m: sorted(d for d in deps if d.startswith("hw7.booktools"))
               for m, deps in GRAPH.items() if not m.startswith("hw7.booktools")}
    assert {m: d for m, d in callers.items() if d} == {}


def test_no_function_is_longer_than_50_lines():
    """Issue 21: long functions hide their steps (the argument parser's declarations excepted)."""
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
                if node.end_lineno - node.lineno + 1 > 50 and (name, node.name) != ("hw7.cli", "build_parser"):
                    long.append(f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert long == []


@pytest.mark.parametrize("family", ["hw7.problem1", "hw7.mnist", "hw7.readings", "hw7.present", "hw7.store"])
def test_findings_stand_above_the_families_and_the_store(family):
    """Issue 29: every chapter's findings live in hw7.findings (one module per chapter or family, one
    ``load()`` each); they read the store and the families, which never read them back."""
    offenders = {m: sorted(d for d in deps if d.startswith(("hw7.findings", "hw7.headline")))
                 for m, deps in GRAPH.items() if m.startswith(family)}
    assert {m: d for m, d in offenders.items() if d} == {}


def test_every_chapter_loads_its_findings_the_same_way():
    """A chapter's setup cell loads findings only as ``<module>.load()`` from hw7.findings: no other
    findings loader, no store reader passed in."""
    import re

    root = PACKAGE.parents[1]
    for qmd in [root / "index.qmd", *sorted((root / "report").glob("*.qmd"))]:
        text = qmd.read_text(encoding="utf-8")
        loads = re.findall(r"=\s*([\w.]+)\.(load\w*)\(([^)]*)\)", text)
        for module, call, args in loads:
            assert (call, args) == ("load", ""), f"{qmd.name}: {module}.{call}({args})"
            assert re.search(rf"from hw7\.findings import [\w, ]*\b{module}\b", text), f"{qmd.name}: {module}"
        for module in re.findall(r"from hw7\.(problem1|readings|mnist) import [\w, ]*\bfindings\b", text):
            raise AssertionError(f"{qmd.name}: findings imported from hw7.{module}")


def test_no_findings_module_is_longer_than_400_lines():
    long = {p.name: n for p in (PACKAGE / "findings").glob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
