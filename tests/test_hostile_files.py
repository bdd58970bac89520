"""Issue 28: only the project's own files are read or removed, and the CLI and the book fail in one line.

A FIFO at an entry path made ``hw7 list`` hang; a symlink to ``/dev/zero`` made ``list``, ``diff`` and
``verify --summary`` read without end; ``hw7 run`` deleted any ``.*.tmp`` older than a minute in the
cache and one level below (through symlinks, even with nothing to compute); a damaged
``benchmarks/results.json`` gave tracebacks; ``diff --rev $'HEAD\\xff'`` a UnicodeDecodeError; ``run p1-b --all``
ignored ``p1-b``; ``HW7_CACHE_DIR='~/x'`` made a folder named ``~``; a simulated machine was recorded
without a word; the freeze guard hashed cache/ while the chapters read ``$HW7_CACHE_DIR``; the book
printed a 60-line kernel traceback; and a failed preview left the previous ``_preview/`` in place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_output import one_line as _one_line
from hw7 import REPO_ROOT, cli
from hw7.booktools import freeze_guard, preview
from hw7.errors import CacheCorrupt, Hw7Error
from hw7.instructors import compare
from hw7.mnist import checkpoint
from hw7.store import cache, registry, summary

HERE = Path(__file__).resolve().parent
COMMITTED = REPO_ROOT / "cache"
HOUR_AGO = time.time() - 3600






# -- M4: only regular files of bounded size are read ----------------------------------------------------

_READ = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
from hw7.errors import Hw7Error
from hw7.store import cache
try:
    cache.read_file(sys.argv[1])
except Hw7Error as exc:
    print("hw7: error:", exc)
"""


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_fifo_or_a_device_at_an_entry_path_is_corrupt_at_once(cache_copy, kind):
    """In a subprocess with a memory limit and a timeout: the old code hung on the FIFO and ran out of memory on
    /dev/zero."""
    run = registry.get("p1-b").runs[0]
    path = cache.entry_path(run, cache_copy)
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "code"), os.environ.get("PYTHONPATH", "")])}
    try:
        proc = subprocess.run([sys.executable, "-c", _READ, str(path)], capture_output=True, text=True, timeout=60, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {kind} at an entry path did not end")
    assert proc.returncode == 0 and "not a regular file" in _one_line(proc.stdout), proc.stderr[-400:]
    assert cache.state(run) == "CORRUPT"


# -- M7: only the project's own temp files are removed, never through a symlink, only when computing -------


def _aged(path: Path) -> Path:
    path.write_text("someone's data")
    os.utime(path, (HOUR_AGO, HOUR_AGO))
    return path


def test_run_removes_only_its_own_stale_temp_files(scratch_cache, tiny_registry, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    scratch_cache.mkdir(parents=True)
    (scratch_cache / "link").symlink_to(shared)
    theirs = [_aged(shared / ".important.tmp"), _aged(scratch_cache / ".notours.tmp"),
              _aged(scratch_cache / ".0123456789abcdef.tmp")]
    (scratch_cache / "rosenbrock").mkdir()
    ours = _aged(scratch_cache / "rosenbrock" / ".0123456789abcdef.ab_12cd3.tmp")
    assert cli.main(["run", "tiny", "--no-progress"]) == 0  # computes the two runs: cleans up first
    assert not ours.exists()
    assert all(p.exists() for p in theirs)
    ours = _aged(scratch_cache / "rosenbrock" / ".0123456789abcdef.zz_12cd3.tmp")
    assert cli.main(["run", "tiny", "--no-progress"]) == 0  # nothing to compute: nothing removed
    assert ours.exists()


# -- L2: a damaged benchmark file is one line everywhere --------------------------------------------------


@pytest.mark.parametrize("text", ['{"ratio": 2.0, "baseline_run_seco', '{"ratio": 2}', '{"ratio": 2, "ratio": 3}'])
def test_a_damaged_benchmark_file_is_named_in_one_line(cache_copy, tmp_path, monkeypatch, capsys, text):
    bench = tmp_path / "results.json"
    bench.write_text(text)
    monkeypatch.setattr(summary, "BENCHMARK_FILE", bench)
    with pytest.raises(Hw7Error, match="results.json is damaged"):
        summary.benchmark()
    assert cli.main(["verify", "--summary"]) == 1  # no traceback
    assert "results.json is damaged" in str(summary.check().error())
    capsys.readouterr()  # what verify printed
    assert cli.main(["summary"]) == 2
    assert "results.json is damaged" in _one_line(capsys.readouterr().err)
    assert "p1.b.final_dist.gd" in summary.read_file()  # the rest of the summary was rebuilt


# -- L4, L5: CLI misuse ------------------------------------------------------------------------------------


def test_a_revision_that_is_not_utf8_is_refused_in_one_line(capsys):
    assert cli.main(["diff", "--rev", "HEAD\udcff"]) == 2  # how Python hands over the argument b"HEAD\xff"
    assert "not a git revision" in _one_line(capsys.readouterr().err)


def test_run_with_names_and_all_is_refused(scratch_cache, tiny_registry, capsys):
    assert cli.main(["run", "tiny", "--all", "--no-progress"]) == 2
    assert "not both" in _one_line(capsys.readouterr().err)
    assert not scratch_cache.exists() or not any(scratch_cache.rglob("*.json"))


# -- L7: '~' in a folder setting is the home folder ----------------------------------------------------------


def test_tilde_in_the_cache_and_checkpoint_settings_is_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HW7_CACHE_DIR", "~/cache")
    monkeypatch.setenv("HW7_CHECKPOINT_DIR", "~/ckpt")
    assert cache.cache_root() == tmp_path / "cache"
    assert checkpoint.checkpoint_dir() == tmp_path / "ckpt"


# -- L8: a simulated machine is said ------------------------------------------------------------------------


def test_run_warns_when_the_machine_fingerprint_is_simulated(scratch_cache, tiny_registry, monkeypatch, capsys):
    monkeypatch.setenv("HW7_SIMULATE_MACHINE", "FakeCPU")
    assert cli.main(["run", "tiny", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "HW7_SIMULATE_MACHINE" in err and "FakeCPU" in err


# -- L9: the freeze guard hashes the cache the chapters read -----------------------------------------------


def test_freeze_guard_hashes_the_cache_the_chapters_read(tmp_path, monkeypatch):
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)
    chapter = "report/p2-shallow-mnist.qmd"  # reads every family's entries
    committed = freeze_guard.fingerprint(chapter)
    copy = tmp_path / "cache"
    shutil.copytree(COMMITTED, copy)
    monkeypatch.setenv("HW7_CACHE_DIR", str(copy))
    assert freeze_guard.fingerprint(chapter) == committed  # the same results: the frozen outputs hold
    entry = next(copy.glob("mnist/*.json"))
    entry.write_text(entry.read_text()[:-10])  # damaged
    assert freeze_guard.fingerprint(chapter) != committed


# -- L1, L10: the book and the preview stop in one line ------------------------------------------------------

_FAILING_CHAPTER = """---
title: "A chapter on damaged data"
---

```{python}
from hw7.errors import CacheCorrupt

raise CacheCorrupt("cache entry x.json fails its checksum; regenerate it")
```
"""


def test_a_chapter_stopped_by_bad_data_says_why_in_one_line(tmp_path):
    """What Quarto prints comes from the kernel's error output: one hw7: error: line, no traceback."""
    from nbclient.exceptions import CellExecutionError

    qmd = tmp_path / "bad.qmd"
    qmd.write_text(_FAILING_CHAPTER)
    with pytest.raises(CellExecutionError) as caught:
        preview.execute(preview.to_notebook(qmd), timeout=120)
    tb = caught.value.traceback.split("------------------")[-1]  # after the cell's source
    lines = [line for line in tb.strip().splitlines() if line.strip()]
    assert lines == ["hw7: error: cache entry x.json fails its checksum; regenerate it"], lines


def test_a_failed_preview_leaves_no_stale_preview(tmp_path, monkeypatch, capsys):
    qmd = tmp_path / "bad.qmd"
    qmd.write_text(_FAILING_CHAPTER)
    out = tmp_path / "_preview"
    out.mkdir()
    (out / "index.html").write_text("<html>an earlier preview</html>")
    monkeypatch.setattr(preview, "chapter_files", lambda: [qmd])
    monkeypatch.setattr(preview, "REPO_ROOT", tmp_path)
    assert preview.main(out) == 2
    assert "fails its checksum" in _one_line(capsys.readouterr().err)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.qmd"]  # no scratch folder left either


def test_read_file_still_reports_a_folder_and_a_missing_entry(cache_copy):
    run = registry.get("p1-b").runs[0]
    path = cache.entry_path(run, cache_copy)
    path.unlink()
    with pytest.raises(FileNotFoundError):
        cache.read_file(path)
    path.mkdir()
    with pytest.raises(CacheCorrupt, match="folder"):
        cache.read_file(path)
    with pytest.raises(CacheCorrupt):
        compare.load_cache_dir(cache_copy)
