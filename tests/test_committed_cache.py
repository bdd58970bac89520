"""The committed cache is complete, verified, free of stale entries, and summarised faithfully."""

from __future__ import annotations

import json

import pytest

from hw7 import REPO_ROOT
from hw7.mnist import experiments as mnist_experiments
from hw7.store import cache, registry, summary

CACHE = REPO_ROOT / "cache"


@pytest.fixture(autouse=True)
def committed_cache(monkeypatch):
    monkeypatch.delenv("HW7_CACHE_DIR", raising=False)


def test_every_registered_run_is_cached_and_verifies():
    missing = [f"{r.experiment}: {r.label}" for r in registry.all_runs() if not cache.has_entry(r)]
    assert missing == [], "run `python -m hw7 run --all` and commit cache/"
    for run in registry.all_runs():
        cache.read_entry(run)  # raises on any checksum or key mismatch


def test_no_stale_entries():
    """Every entry file belongs to a run the registry defines (old configs must be removed)."""
    expected = {cache.entry_path(r) for r in registry.all_runs()}
    present = {p for p in CACHE.glob("*/*.json")}
    assert sorted(map(str, present - expected)) == []


def test_summary_json_matches_the_entries():
    committed = json.loads((CACHE / "summary.json").read_text())
    fresh, missing = summary.compute()
    assert missing == []
    assert committed == json.loads(json.dumps(fresh))


def test_every_summary_metric_names_a_registered_experiment():
    assert set(summary.METRICS) <= set(registry.experiments())


@pytest.mark.parametrize("experiment, steps, choice", [
    ("p2-c-search", "P2C_SEARCH", "P2C_CHOICE"),
    ("p3-c-search", "P3C_SEARCH", "P3C_CHOICE"),
])
def test_final_runs_use_the_best_validation_step(experiment, steps, choice):
    """The network scored on the test set is the one the validation search picked, not a later favourite."""
    from hw7.mnist import tables
    from hw7.store import loader

    table = tables.search_table(loader.load(experiment), getattr(mnist_experiments, steps))
    assert table.loc[table["mean"].idxmax(), "id"] == getattr(mnist_experiments, choice)
