"""The committed _freeze/ (Quarto's stored chapter outputs) was rendered from the current cache, figure
code and _quarto.yml; and the guard notices when any of them changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from hw7 import REPO_ROOT
from hw7.booktools import freeze_guard as fg


def test_committed_freeze_matches_the_inputs():
    if not (REPO_ROOT / fg.FREEZE_DIR).exists():
        pytest.skip("no _freeze/ in this checkout: chapters execute on the next render")
    assert fg.is_current(), ("_freeze/ was rendered from other cache/, code/hw7/ or _quarto.yml contents: "
                             "run `make report` and commit _freeze/")


def _project(tmp_path: Path) -> Path:
    (tmp_path / "cache" / "p1-b").mkdir(parents=True)
    (tmp_path / "cache" / "p1-b" / "k.json").write_text('{"result": 1}')
    (tmp_path / "code" / "hw7").mkdir(parents=True)
    (tmp_path / "code" / "hw7" / "plots.py").write_text("X = 1\n")
    (tmp_path / "_quarto.yml").write_text("project: {}\n")
    (tmp_path / "_freeze" / "report").mkdir(parents=True)
    return tmp_path


@pytest.mark.parametrize("changed", ["cache/p1-b/k.json", "code/hw7/plots.py", "_quarto.yml"])
def test_a_changed_input_invalidates_the_freeze(tmp_path, changed):
    root = _project(tmp_path)
    fg.post(root)
    assert fg.is_current(root)
    (root / changed).write_text((root / changed).read_text() + " ")
    assert not fg.is_current(root)
    fg.pre(root)
    assert not (root / "_freeze").exists()  # every chapter executes again


def test_unchanged_inputs_keep_the_freeze(tmp_path):
    root = _project(tmp_path)
    fg.post(root)
    fg.pre(root)
    assert (root / "_freeze" / "report").exists()


def test_a_new_cache_entry_invalidates_the_freeze(tmp_path):
    root = _project(tmp_path)
    fg.post(root)
    (root / "cache" / "p1-b" / "new.json").write_text("{}")
    assert not fg.is_current(root)
