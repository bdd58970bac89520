"""The command line: computes what is missing, resumes, and fails with one clear line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cli_output import after_header
from hw7 import cli
from hw7.store import cache, registry


def test_run_computes_missing_then_skips_cached(scratch_cache, tiny_registry, capsys):
    assert cli.main(["run", "tiny", "--no-progress"]) == 0
    runs = tiny_registry["tiny"].runs
    assert all(cache.has_entry(r) for r in runs)
    first = [cache.read_entry(r)["meta"]["created"] for r in runs]
    capsys.readouterr()
    assert cli.main(["run", "tiny", "--no-progress"]) == 0
    assert "all 2 runs cached" in capsys.readouterr().out
    assert [cache.read_entry(r)["meta"]["created"] for r in runs] == first
    assert (scratch_cache / "summary.json").is_file()


def test_run_resumes_after_losing_one_entry(scratch_cache, tiny_registry, capsys):
    cli.main(["run", "tiny", "--no-progress"])
    runs = tiny_registry["tiny"].runs
    cache.entry_path(runs[1]).unlink()
    capsys.readouterr()
    cli.main(["run", "tiny", "--no-progress"])
    assert "computing 1 of 2 runs" in capsys.readouterr().out
    assert cache.has_entry(runs[1])


def test_list_reports_missing_and_corrupt(scratch_cache, tiny_registry, capsys):
    cli.main(["run", "tiny", "--no-progress"])
    path = cache.entry_path(tiny_registry["tiny"].runs[0])
    path.write_text(path.read_text()[:50])
    capsys.readouterr()
    assert cli.main(["list", "-v"]) == 2  # a CORRUPT entry fails the listing (scripts gate on it)
    out = capsys.readouterr().out
    assert "CORRUPT" in out and "missing" in out


@pytest.mark.parametrize("argv, pattern", [
    (["run", "no-such-experiment"], "unknown experiment 'no-such-experiment'"),
    (["run"], "name experiments to run, or pass --all"),
    (["run", "tiny-bad", "--no-progress"], "lrr"),
])
def test_errors_are_one_line_and_nonzero(scratch_cache, tiny_registry, capsys, argv, pattern):
    assert cli.main(argv) == 2
    err = after_header(capsys.readouterr().err)
    assert pattern in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_bad_name_is_rejected_before_anything_runs(scratch_cache, tiny_registry):
    assert cli.main(["run", "tiny", "nope"]) == 2
    assert not any(cache.has_entry(r) for r in tiny_registry["tiny"].runs)


def test_module_entry_point_exits_nonzero_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hw7", "run", "definitely-not-an-experiment"],
                          capture_output=True, text=True, env={"HW7_CACHE_DIR": str(tmp_path), "PATH": ""})
    assert proc.returncode == 2
    assert "unknown experiment" in proc.stderr and "Traceback" not in proc.stderr


def test_summary_is_flat_sorted_json(scratch_cache, tiny_registry):
    cli.main(["summary"])
    text = (scratch_cache / "summary.json").read_text()
    values = json.loads(text)
    assert list(values) == sorted(values)
    assert all(isinstance(v, (int, float)) or v is None for v in values.values())


def test_patterns_select_experiments_and_typos_fail(scratch_cache, tiny_registry, capsys):
    assert [e.name for e in registry.select(["tiny*"])] == ["tiny", "tiny-bad"]
    assert cli.main(["list", "tiny-b*"]) == 0
    assert "tiny-bad" in capsys.readouterr().out
    assert cli.main(["run", "nothing-*"]) == 2
    assert "no experiment matches 'nothing-*'" in capsys.readouterr().err
