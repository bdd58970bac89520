"""Every chapter executes top to bottom in a Jupyter kernel against the committed cache.

This is the engine `quarto render` uses (a Jupyter kernel, then inline expressions evaluated in
it), so a chapter that passes here renders under Quarto without re-training anything.
"""

from __future__ import annotations

import re

import pytest

from hw7 import REPO_ROOT
from hw7.booktools import preview

CHAPTERS = preview.chapter_files()


def test_book_lists_existing_chapters():
    assert CHAPTERS and all(p.is_file() for p in CHAPTERS)
    assert CHAPTERS[0].name == "index.qmd" and CHAPTERS[0].parent == REPO_ROOT


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_executes_against_committed_cache(path, monkeypatch):
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)
    chapter = preview.to_notebook(path)
    notebook = preview.execute(chapter, timeout=300)  # raises CellExecutionError on any error
    values = preview.substitute_inline(notebook)
    assert all(v.strip() for v in values), "an inline expression rendered empty"
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "{python}" not in text


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
