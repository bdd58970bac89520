"""`hw7 diff`: per-metric tolerances, one-sided metrics, cache folders, git revisions, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from cache_fixtures import tamper
from cli_output import after_header
from hw7 import REPO_ROOT, cli
from hw7.instructors import tolerances
from hw7.store import cache

BASE = {
    "p1.b.final_dist.adam": 8.020324925986861e-06,
    "p1.c.diverged_step.momentum": 3,
    "p1.c.final_dist.momentum": None,
    "p1.sweep.best_lr.gd": 0.0002371373705661655,
    "p2.a.acc_at_best_lr.sgd": 0.9679,
    "p2.c.best.params": 636010,
    "perf.engine_speedup.k8": 21.99,
}


def write(path, values):
    path.write_text(json.dumps(values, indent=2))
    return str(path)


def run_diff(capsys, *argv):
    code = cli.main(["diff", *argv])
    captured = capsys.readouterr()
    return code, captured.out, after_header(captured.err)


@pytest.fixture
def base(tmp_path):
    return write(tmp_path / "a.json", BASE)


def changed(tmp_path, **edits):
    values = dict(BASE)
    for name, value in edits.items():
        name = name.replace("__", ".")
        if value is KeyError:
            values.pop(name)
        else:
            values[name] = value
    return write(tmp_path / "b.json", values)


def test_identical_summaries_exit_0(capsys, base, tmp_path):
    code, out, _ = run_diff(capsys, base, write(tmp_path / "b.json", BASE))
    assert code == 0 and "within tolerance" in out


@pytest.mark.parametrize("name, value, differs", [
    ("p2.a.acc_at_best_lr.sgd", 0.9679 + 0.0009, False),   # accuracy: atol 1e-3
    ("p2.a.acc_at_best_lr.sgd", 0.9679 + 0.0012, True),
    ("p1.b.final_dist.adam", 8.020324925986861e-06 * (1 + 5e-7), False),  # distance: rtol 1e-6
    ("p1.b.final_dist.adam", 8.020324925986861e-06 * (1 + 5e-6), True),   # tiny in absolute terms, still a change
    ("p1.c.diverged_step.momentum", 4, True),              # counts: exact
    ("p2.c.best.params", 636011, True),
    ("p1.sweep.best_lr.gd", 0.0002371373705661656, True),  # a learning rate is a choice: exact
    ("p1.c.final_dist.momentum", 1.5, True),               # null vs number
    ("perf.engine_speedup.k8", 5.0, False),                # perf.* ignored by default
])
def test_per_metric_tolerances(capsys, base, tmp_path, name, value, differs):
    code, out, _ = run_diff(capsys, base, changed(tmp_path, **{name.replace(".", "__"): value}))
    assert code == (1 if differs else 0), out
    assert (name in out) == differs


def test_perf_is_compared_loosely_on_request(capsys, base, tmp_path):
    assert run_diff(capsys, base, changed(tmp_path, perf__engine_speedup__k8=25.0), "--include-perf")[0] == 0
    code, out, _ = run_diff(capsys, base, changed(tmp_path, perf__engine_speedup__k8=5.0), "--include-perf")
    assert code == 1 and "perf.engine_speedup.k8" in out


def test_explicit_tolerances_replace_the_rules(capsys, base, tmp_path):
    other = changed(tmp_path, p2__a__acc_at_best_lr__sgd=0.9679 + 0.0009)
    code, out, _ = run_diff(capsys, base, other, "--atol", "0")
    assert code == 1 and "exact (given)" in out
    assert run_diff(capsys, base, changed(tmp_path, p1__c__diverged_step__momentum=4), "--atol", "2")[0] == 0


def test_one_sided_metrics_are_differences(capsys, base, tmp_path):
    values = {**BASE, "p9.new.metric": 1.0}
    del values["p2.c.best.params"]
    code, out, _ = run_diff(capsys, base, write(tmp_path / "b.json", values))
    assert code == 1
    assert "only in A:\n  p2.c.best.params = 636010" in out and "only in B:\n  p9.new.metric = 1.0" in out


def test_json_output(capsys, base, tmp_path):
    code, out, _ = run_diff(capsys, base, changed(tmp_path, p1__c__final_dist__momentum=2.0), "--json")
    report = json.loads(out)
    assert code == 1 and report["equal"] is False
    [d] = report["differences"]
    assert d["metric"] == "p1.c.final_dist.momentum" and d["a"] is None and d["b"] == 2.0
    assert report["ignored"] == ["perf.engine_speedup.k8"]


@pytest.mark.parametrize("make_args, message", [
    (lambda t, base: [base, str(t / "missing.json")], "does not exist"),
    (lambda t, base: [base, str(_garbage(t))], "not valid JSON"),
    (lambda t, base: [base, write(t / "list.json", {"a": [1]})], "not a flat map"),
    (lambda t, base: [base, str(t)], "cannot compare a summary with a cache"),
    (lambda t, base: [base], "give two summary.json files"),
    (lambda t, base: [base, base, "--atol", "-1"], "--atol must be"),
])
def test_usage_errors_exit_2_with_one_line(capsys, tmp_path, base, make_args, message):
    code, out, err = run_diff(capsys, *make_args(tmp_path, base))
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def _garbage(tmp_path):
    path = tmp_path / "garbage.json"
    path.write_text("{not json")
    return path


# ------------------------------------------------------------------------------------------------ cache folders


@pytest.fixture
def two_caches(scratch_cache, tiny_registry, tmp_path, capsys):
    cli.main(["run", "tiny", "--no-progress"])
    capsys.readouterr()
    other = tmp_path / "other"
    shutil.copytree(scratch_cache, other)
    return scratch_cache, other, tiny_registry["tiny"].runs


def test_cache_folders_match_run_by_run(capsys, two_caches):
    a, b, runs = two_caches
    code, out, _ = run_diff(capsys, str(a), str(b))
    assert code == 0 and "runs: 2 in both, 0 only in A, 0 only in B" in out


def test_cache_folders_report_changed_fields_and_one_sided_runs(capsys, two_caches):
    a, b, runs = two_caches
    tamper(cache.entry_path(runs[0], b), lambda e: e["result"]["xy"][7].__setitem__(1, 123.0))
    # a count that stays possible (a diverged_step of 5 with finite distances is no longer: the cache refuses it)
    tamper(cache.entry_path(runs[0], b), lambda e: e["result"]["first_step_below"].__setitem__("1e-1", 7))
    cache.entry_path(runs[1], b).unlink()
    code, out, _ = run_diff(capsys, str(a), str(b), "--json")
    report = json.loads(out)
    assert code == 1 and report["runs_compared"] == 1
    assert report["runs_only_a"] == [f"tiny/{runs[1].key}"]
    metrics = {d["metric"]: d for d in report["differences"]}
    assert set(metrics) == {f"tiny/{runs[0].key}:first_step_below.1e-1", f"tiny/{runs[0].key}:xy[7][1]"}
    assert metrics[f"tiny/{runs[0].key}:xy[7][1]"]["b"] == 123.0
    assert "1 of" in metrics[f"tiny/{runs[0].key}:xy[7][1]"]["note"]


def test_timings_in_entries_are_ignored(capsys, two_caches):
    a, b, runs = two_caches
    tamper(cache.entry_path(runs[0], b), lambda e: e["meta"].__setitem__("seconds", 99.0))
    assert run_diff(capsys, str(a), str(b))[0] == 0


def test_corrupt_entry_in_a_folder_exits_2(capsys, two_caches):
    a, b, runs = two_caches
    cache.entry_path(runs[0], b).write_text('{"half": ')
    code, _, err = run_diff(capsys, str(a), str(b))
    assert code == 2 and "unreadable" in err and "python -m hw7 run" in err and len(err.strip().splitlines()) == 1


def test_nan_equals_nan_but_not_a_number():
    tol = tolerances.Tolerance()
    nan = float("nan")
    assert tolerances.compare_values("x", nan, nan, tol)[0] is None
    assert tolerances.compare_values("x", nan, 1.0, tol)[0] is not None
    assert tolerances.compare_values("x", float("inf"), float("inf"), tol)[0] is None


# ------------------------------------------------------------------------------------------------ git revisions


def _committed_summary() -> str | None:
    proc = subprocess.run(["git", "-C", str(REPO_ROOT), "show", "HEAD:cache/summary.json"], capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


@pytest.mark.skipif(_committed_summary() is None, reason="not a git checkout with a committed cache/summary.json")
def test_rev_reads_the_committed_summary(capsys, tmp_path):
    same = tmp_path / "summary.json"
    same.write_text(_committed_summary())
    assert run_diff(capsys, "--rev", "HEAD", str(same))[0] == 0
    assert run_diff(capsys, "--rev", "HEAD", str(tmp_path))[0] == 0  # a folder means its summary.json
    values = json.loads(_committed_summary())
    values[next(iter(values))] = 12345.0
    same.write_text(json.dumps(values))
    assert run_diff(capsys, "--rev", "HEAD", str(same))[0] == 1
    code, _, err = run_diff(capsys, "--rev", "no-such-revision-xyz", str(same))
    assert code == 2 and "no-such-revision-xyz" in err and len(err.strip().splitlines()) == 1


def test_a_folder_without_entries_is_a_usage_error(capsys, tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    code, _, err = run_diff(capsys, str(tmp_path / "x"), str(tmp_path / "y"))
    assert code == 2 and "holds no cache entries" in err
