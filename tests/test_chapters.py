"""Every chapter executes top to bottom in a Jupyter kernel against the committed cache.

This is the engine `quarto render` uses (a Jupyter kernel, then inline expressions evaluated in
it), so a chapter that passes here renders under Quarto without re-training anything.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest

from hw7 import REPO_ROOT
from hw7.booktools import freeze_guard, preview

CHAPTERS = preview.chapter_files()

#: First cell: record every file the kernel opens (an audit hook sees each ``open``, whoever calls it).
RECORD = """import sys as _hw7_sys, os as _hw7_os
_hw7_opened = set()
def _hw7_audit(event, args, _opened=_hw7_opened, _fspath=_hw7_os.fspath, _cwd=_hw7_os.getcwd):
    if event == "open" and isinstance(args[0], (str, _hw7_os.PathLike)):
        _opened.add(_hw7_os.path.join(_cwd(), _fspath(args[0])))
_hw7_sys.addaudithook(_hw7_audit)
"""
#: Last cell: print what was opened and which hw7 modules were loaded.
REPORT = """import json as _hw7_json
print("__hw7_reads__" + _hw7_json.dumps({"opened": sorted(_hw7_opened), "modules": sorted(
    m.__file__ for n, m in list(_hw7_sys.modules.items()) if n.split(".")[0] == "hw7" and getattr(m, "__file__", None))}))
"""
READS_MARK = "__hw7_reads__"


def undeclared(chapter: str, opened: list[str], modules: list[str], root: Path = REPO_ROOT) -> list[str]:
    """Project files the chapter read (cache entries, other files, hw7 modules) that its freeze-guard input map
    lacks: a change to one would leave the chapter's frozen outputs stale."""
    inputs = {p.resolve() for p in freeze_guard.input_files(chapter, root)}
    ignored = ("code", ".venv", ".git", "_freeze", "_book", ".quarto")  # modules are checked by name below
    read = {Path(os.path.realpath(p)) for p in opened}
    files = {p for p in read if p.is_file() and p.is_relative_to(root)
             and p.relative_to(root).parts[0] not in ignored}
    return sorted(str(p.relative_to(root)) for p in files | {Path(m).resolve() for m in modules} if p not in inputs)


def test_book_lists_existing_chapters():
    assert CHAPTERS and all(p.is_file() for p in CHAPTERS)
    assert CHAPTERS[0].name == "index.qmd" and CHAPTERS[0].parent == REPO_ROOT


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_executes_against_committed_cache(path, monkeypatch):
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)
    chapter = preview.to_notebook(path)
    chapter.notebook.cells.insert(0, nbformat.v4.new_code_cell(RECORD))
    chapter.notebook.cells.append(nbformat.v4.new_code_cell(REPORT))
    notebook = preview.execute(chapter, timeout=300)  # raises CellExecutionError on any error
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs if o.get("output_type") == "stream")
    reads = json.loads(printed.split(READS_MARK, 1)[1])
    name = path.relative_to(REPO_ROOT).as_posix()
    assert undeclared(name, reads["opened"], reads["modules"]) == [], (
        f"{name} read these files, which its input map lacks: add them to hw7.booktools.freeze_guard.READS")
    values = preview.substitute_inline(notebook)
    assert all(v.strip() for v in values), "an inline expression rendered empty"
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "{python}" not in text


def test_an_undeclared_read_is_caught():
    """The check above can fail: a file outside the chapter's input map, and a module it does not import."""
    p1 = "report/p1-rosenbrock.qmd"
    zoo_entry = next(p for p, name in freeze_guard.entry_experiments(REPO_ROOT).items() if name == "app-zoo")
    p1_entry = next(p for p, name in freeze_guard.entry_experiments(REPO_ROOT).items() if name == "p1-b")
    cli = str(REPO_ROOT / "code" / "hw7" / "cli.py")
    assert undeclared(p1, [str(p1_entry)], []) == []
    assert undeclared(p1, [str(zoo_entry), str(REPO_ROOT / "benchmarks" / "results.json")], [cli]) == sorted(
        [str(zoo_entry.relative_to(REPO_ROOT)), "benchmarks/results.json", "code/hw7/cli.py"])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_cross_references_resolve(path):
    """Every @fig-/@tbl-/@sec- reference points at a label defined in the book."""
    labels = set()
    for chapter in CHAPTERS:
        text = chapter.read_text()
        labels |= set(re.findall(r"#\|\s*label:\s*((?:fig|tbl)-[\w-]+)", text))
        labels |= set(re.findall(r"\{#((?:sec|fig|tbl|eq)-[\w-]+)", text))
    refs = set(re.findall(r"@((?:fig|tbl|sec|eq)-[\w-]+[\w])", path.read_text()))
    assert sorted(refs - labels) == []


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_training_in_chapters(path):
    code = "\n".join(m.group(1) for m in preview.CELL_RE.finditer(path.read_text()))
    for forbidden in ("cli.main", "run_experiment", "train_many", "train_one", ".backward(", "write_entry"):
        assert forbidden not in code, f"{path.name} computes results ({forbidden}); chapters only read the cache"
