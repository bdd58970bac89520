"""The committed _freeze/ (Quarto's stored chapter outputs) was rendered from each chapter's current inputs;
a change re-executes exactly the chapters that read what changed, and the student's name re-executes none."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from hw7 import REPO_ROOT
from hw7.booktools import freeze_guard as fg

P1, ZOO = "report/p1-rosenbrock.qmd", "report/app-optimizer-zoo.qmd"
QUARTO = f"""project:
  type: book
book:
  title: "T"
  author:
    - name: "Your Name"
  chapters:
    - {P1}
  appendices:
    - {ZOO}
format:
  html:
    fig-width: 7
"""


def test_committed_freeze_matches_the_inputs():
    if not (REPO_ROOT / fg.FREEZE_DIR).exists():
        pytest.skip("no _freeze/ in this checkout: chapters execute on the next render")
    assert fg.stale() == [], "these chapters' _freeze/ outputs are out of date: run `make report` and commit _freeze/"


def _write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)


def _project(tmp_path: Path) -> Path:
    """Two chapters: Problem 1 (imports hw7.problem1.figures, reads p1-*) and the zoo (reads app-zoo)."""
    _write(tmp_path, "_quarto.yml", QUARTO)
    _write(tmp_path, P1, "# P1\n\n```{python}\nfrom hw7.problem1 import figures\n```\n")
    _write(tmp_path, ZOO, "# Zoo\n\n```{python}\nimport hw7.readings.figures\n```\n")
    for module in ("__init__", "problem1/__init__", "readings/__init__", "cli"):
        _write(tmp_path, f"code/hw7/{module}.py", "")
    _write(tmp_path, "code/hw7/problem1/figures.py", "from . import plots\n")
    _write(tmp_path, "code/hw7/problem1/plots.py", "X = 1\n")
    _write(tmp_path, "code/hw7/readings/figures.py", "def f():\n    from hw7.problem1 import plots\n")
    _write(tmp_path, "cache/rosenbrock/k1.json", json.dumps({"experiment": "p1-b", "result": 1}))
    _write(tmp_path, "cache/zoo/k2.json", json.dumps({"experiment": "app-zoo", "result": 2}))
    for chapter in (P1, ZOO):
        fg.frozen_dir(chapter, tmp_path).mkdir(parents=True)
    fg.post(tmp_path)
    return tmp_path


def _touch(root: Path, rel: str, old: str = "", new: str = " ") -> None:
    text = (root / rel).read_text()
    (root / rel).write_text(text.replace(old, new) if old else text + new)


@pytest.mark.parametrize("changed, stale", [
    ("cache/rosenbrock/k1.json", [P1]),            # a Problem 1 entry: only the chapter that reads it
    ("cache/zoo/k2.json", [ZOO]),
    ("code/hw7/problem1/figures.py", [P1]),        # imported by Problem 1 only
    ("code/hw7/problem1/plots.py", [P1, ZOO]),     # imported by both (the zoo's inside a function)
    ("code/hw7/cli.py", []),                       # imported by no chapter
    (P1, [P1]),
])
def test_a_change_re_executes_the_chapters_that_read_it(tmp_path, changed, stale):
    root = _project(tmp_path)
    assert fg.stale(root) == []
    _touch(root, changed)
    assert fg.stale(root) == stale
    fg.pre(root)
    assert [c for c in (P1, ZOO) if not fg.frozen_dir(c, root).exists()] == stale  # Quarto executes those


def test_the_students_name_course_and_date_re_execute_nothing(tmp_path):
    root = _project(tmp_path)
    _touch(root, "_quarto.yml", 'name: "Your Name"', 'name: "Ada Lovelace"\n      affiliation: "CS 101"\n  date: 2026-05-15')
    assert fg.stale(root) == []
    _touch(root, "_quarto.yml", "fig-width: 7", "fig-width: 8")  # a figure size does
    assert fg.stale(root) == [P1, ZOO]


def test_a_new_entry_and_a_damaged_entry(tmp_path):
    root = _project(tmp_path)
    _write(root, "cache/rosenbrock/new.json", json.dumps({"experiment": "p1-c"}))
    assert fg.stale(root) == [P1]
    fg.post(root)
    _write(root, "cache/mnist/bad.json", "{not json")  # unreadable: it may belong to any experiment
    assert fg.stale(root) == [P1, ZOO]


def test_post_stamps_only_chapters_with_outputs_and_drops_the_old_stamp(tmp_path):
    root = _project(tmp_path)
    (root / fg.FREEZE_DIR / fg.OLD_STAMP).write_text("x\n")
    shutil.rmtree(fg.frozen_dir(ZOO, root))
    fg.post(root)
    assert list(fg.stamped(root)) == [P1]
    assert fg.stale(root) == [ZOO]  # no outputs: not current until it is rendered
    assert not (root / fg.FREEZE_DIR / fg.OLD_STAMP).exists()


def test_module_closure_follows_relative_and_function_level_imports(tmp_path):
    root = _project(tmp_path)
    files = {p.relative_to(root / "code").as_posix()
             for p in fg.module_closure("import hw7.readings.figures\nimport numpy\n", root / "code")}
    assert files == {"hw7/__init__.py", "hw7/readings/__init__.py", "hw7/readings/figures.py",
                     "hw7/problem1/__init__.py", "hw7/problem1/plots.py"}


# --- the real book, on a copy of its inputs ---------------------------------------------------------------

@dataclass
class Book:
    root: Path
    hashes: dict[str, str]  # every chapter's fingerprint before an edit


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Book:
    """A copy of the project's chapters, code, cache, benchmarks and _quarto.yml."""
    root = tmp_path_factory.mktemp("book")
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("code/hw7", "cache", "report", "benchmarks"):
        shutil.copytree(REPO_ROOT / folder, root / folder, ignore=ignore)
    for name in ("_quarto.yml", "index.qmd"):
        shutil.copy2(REPO_ROOT / name, root / name)
    return Book(root, fg.fingerprints(root))


def _changed(book: Book, rel: str, old: str = "", new: str = " ") -> list[str]:
    """The chapters whose fingerprint an edit of ``rel`` changes (the edit is undone afterwards)."""
    undo = _edit(book.root, rel, old, new)
    try:
        after = fg.fingerprints(book.root)
    finally:
        undo()
    return [c for c in book.hashes if book.hashes[c] != after[c]]


def _edit(root: Path, rel: str, old: str = "", new: str = " "):
    path = root / rel
    text = path.read_text()
    path.write_text(text.replace(old, new, 1) if old else text + new)
    assert path.read_text() != text, f"the edit of {rel} changed nothing"
    return lambda: path.write_text(text)


def _entry_of(root: Path, experiment: str) -> str:
    entries = fg.entry_experiments(root)
    return next(p for p, name in entries.items() if name == experiment).relative_to(root).as_posix()


def test_touching_a_problem1_entry_re_executes_only_the_chapters_that_read_it(book):
    changed = _changed(book, _entry_of(book.root, "p1-b"))
    readers = [c for c in book.hashes if any(fg.fnmatch.fnmatchcase("p1-b", p)
                                                    for p in fg.READS.get(c, fg.EVERYTHING).experiments)]
    assert changed == readers
    assert "report/p1-rosenbrock.qmd" in changed and "report/p3-deep-nets.qmd" not in changed
    assert not [c for c in changed if c.startswith("report/app-") and c != "report/app-reproducibility.qmd"]


def test_the_name_course_and_date_re_execute_no_chapter_of_the_book(book):
    quarto = (book.root / "_quarto.yml").read_text()
    name = quarto.split('- name: "', 1)[1].split('"', 1)[0]
    assert _changed(book, "_quarto.yml", f'"{name}"', '"Ada Lovelace"') == []
    assert _changed(book, "_quarto.yml", "date: ", "date: 2026-05-15 #") == []


def test_code_changes_re_execute_only_their_importers(book):
    assert _changed(book, "code/hw7/cli.py") == []
    assert _changed(book, "code/hw7/booktools/render_check.py") == []
    assert _changed(book, "code/hw7/mnist/figures_deep.py") == ["report/p3-deep-nets.qmd"]
    assert len(_changed(book, "code/hw7/present/plots.py")) > 1  # the shared plot style
