"""What an instructor sees of the command line (issue 27): version, help, columns, names in JSON, dry runs,
a damaged entry named by `verify --summary`, and what the recorded times measure."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

import hw7
from cache_fixtures import tamper
from cli_output import after_header
from hw7 import cli
from hw7.instructors import verify
from hw7.store import cache, provenance, registry
from test_cache import RESULT


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"hw7 {hw7.__version__} ") and str(cli.__file__).rsplit("/", 1)[0] in out


def test_every_subcommand_has_a_description():
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert set(commands) >= {"list", "run", "summary", "diff", "verify"}
    assert {name: sub.description for name, sub in commands.items() if not sub.description} == {}
    assert "--project" in commands["run"].format_help()


def test_list_columns_hold_for_the_longest_names(scratch_cache, monkeypatch, capsys):
    tiny = {"p1-tiny": registry._experiment("p1-tiny", "rosenbrock", "first-title", [
                {"optimizer": "gd", "lr": 1e-4, "steps": 20, "init": [-4.0, -2.0]}]),
            "an-experiment-with-a-very-long-name-indeed": registry._experiment(
                "an-experiment-with-a-very-long-name-indeed", "rosenbrock_sweep", "second-title", [
                    {"optimizer": "gd", "lrs": [1e-4], "steps": 20, "init": [-4.0, -2.0]}])}
    monkeypatch.setattr(registry, "experiments", lambda: tiny)
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    starts = {line.index(word) for line, word in zip(lines, ["title", "first-title", "second-title"])}
    assert len(starts) == 1, lines  # the title column starts at one place on every row
    kinds = {line.index(word) for line, word in zip(lines, ["kind", "rosenbrock", "rosenbrock_sweep"])}
    assert len(kinds) == 1, lines


@pytest.fixture
def cached(scratch_cache, tiny_registry, capsys):
    assert cli.main(["run", "tiny", "--no-progress"]) == 0
    capsys.readouterr()
    return tiny_registry["tiny"].runs


def test_verify_json_names_its_sides(cached, capsys):
    tamper(cache.entry_path(cached[0]), lambda e: e["result"].__setitem__("final_dist", 1.0))
    assert cli.main(["verify", "tiny", "--json", "--no-progress"]) == 1
    doc = json.loads(capsys.readouterr().out)
    comparison = doc["runs"][0]["comparison"]
    assert comparison["cached"] == str(cache.entry_path(cached[0])) and comparison["recomputed"].startswith("recomputed")
    [d] = [d for d in comparison["differences"] if d["metric"] == "final_dist"]
    assert d["cached"] == 1.0 and d["recomputed"] != 1.0 and "a" not in d and "b" not in d
    assert "only_cached" in comparison and "only_a" not in comparison


def test_dry_run_estimates_from_the_entries_and_computes_nothing(cached, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("a dry run computed something")

    monkeypatch.setattr(registry, "runner", refuse)
    monkeypatch.setattr(verify, "recompute_mnist", refuse)
    recorded = sum(cache.read_entry(r)["meta"]["seconds"] for r in cached)
    assert cli.main(["verify", "tiny", "--dry-run", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["dry_run"] is True and doc["estimated_seconds"] == pytest.approx(recorded)
    assert doc["groups"][0]["recomputed"] == [r.key for r in cached]
    assert cli.main(["verify", "tiny", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "nothing is computed" in out and "2 run(s) to recompute" in out


def test_dry_run_of_a_batched_sample_says_how_it_batches(monkeypatch, capsys):
    """On the committed cache: one run of the 30-run learning-rate sweep retrains its whole batch."""
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)
    monkeypatch.setattr(verify, "recompute_mnist", lambda *a, **k: pytest.fail("a dry run trained"))
    runs, chosen = verify.select(["p2-a-sgd-lr"], sample=1, seed=0)
    [group], unusable = verify.dry_run(runs, epochs=1)
    batch = [cache.read_entry(r) for r in group.computed]
    assert unusable == [] and len(group.computed) == batch[0]["result"]["runs_in_batch"] > 1
    full = runs[0].config["epochs"]
    assert group.seconds == pytest.approx(sum(e["meta"]["seconds"] for e in batch) / full)
    assert f"first 1 of {full} epochs" in group.how and "batched engine" in group.how


def test_dry_run_names_missing_entries(cached, capsys):
    cache.entry_path(cached[1]).unlink()
    assert cli.main(["verify", "tiny", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "MISSING" in out and cached[1].key in out and "1 run(s) to recompute" in out


def test_verify_summary_names_a_corrupt_entry(scratch_cache, monkeypatch, capsys):
    """Issue 27: it listed the damaged experiment's metrics as "in the file only" and suggested `hw7 summary`."""
    cheap = registry._experiment("p1-b", "rosenbrock", "cheap stand-in for p1-b (named so the summary reads it)",
                                 [{"optimizer": o, "lr": 1e-4, "steps": 300, "init": [-4.0, -2.0]}
                                  for o in ("gd", "momentum", "adam")])
    monkeypatch.setattr(registry, "experiments", lambda: {"p1-b": cheap})
    assert cli.main(["run", "p1-b", "--no-progress"]) == 0
    path = cache.entry_path(cheap.runs[1])
    path.write_text(path.read_text()[:-20])
    capsys.readouterr()
    assert cli.main(["verify", "--summary"]) == 1
    out = capsys.readouterr().out
    corrupt = [line for line in out.splitlines() if line.startswith("CORRUPT")]
    assert len(corrupt) == 1 and str(path) in corrupt[0] and "python -m hw7 run p1-b --force" in corrupt[0]
    assert "in the file only" not in out and "rebuild it with `python -m hw7 summary`" not in out
    assert any(line.startswith("unchecked") and "p1.b." in line for line in out.splitlines())


def _at(entry: dict, created: datetime, seconds: float) -> None:
    entry["meta"]["created"] = created.isoformat(timespec="seconds")
    entry["meta"]["seconds"] = seconds


def test_concurrency_counts_the_computations_that_overlapped(scratch_cache, monkeypatch):
    configs = [{"optimizer": "gd", "lr": lr, "steps": 10, "init": [-4.0, -2.0]} for lr in (1e-4, 2e-4, 3e-4)]
    exp = registry._experiment("three", "rosenbrock", "three", configs)
    monkeypatch.setattr(registry, "experiments", lambda: {"three": exp})
    short, long_, later = exp.runs
    for run in exp.runs:
        cache.write_entry(run, RESULT, seconds=1.0)  # a result of the kind's shape (entries are checked for sense)
    t0 = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
    tamper(cache.entry_path(short), lambda e: _at(e, t0 + timedelta(seconds=10), 10.0))  # 12:00:00-12:00:10
    tamper(cache.entry_path(long_), lambda e: _at(e, t0 + timedelta(seconds=60), 200.0))  # 11:57:40-12:01:00
    tamper(cache.entry_path(later), lambda e: _at(e, t0 + timedelta(seconds=400), 100.0))  # 12:05:00-12:06:40
    busy = provenance.concurrency()
    assert busy[short.key] == pytest.approx(1.0)  # the long run ran throughout
    assert busy[long_.key] == pytest.approx(8 / 200)  # the short one, less the creation time's resolution
    assert busy[later.key] == 0.0


def test_first_line_names_the_cache_and_stdout_stays_json(cached, capsys, scratch_cache):
    assert cli.main(["verify", "--summary", "--json"]) == 1  # the tiny registry lacks the book's experiments
    captured = capsys.readouterr()
    assert json.loads(captured.out)["summary"] == str(scratch_cache / "summary.json")
    assert after_header(captured.err) == "" and str(scratch_cache) in captured.err
