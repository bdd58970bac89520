"""The depth-search and record findings: Holm's adjustment, and what the findings compute from entries."""

from __future__ import annotations

import pytest

from hw7.mnist import experiments as mx
from hw7.mnist.findings_depth import from_entries, holm
from hw7.mnist.findings_records import Group, group


def test_holm_matches_a_worked_example():
    # m = 4: sorted p 0.01, 0.02, 0.03, 0.04 -> 0.04, 0.06, 0.06 (kept monotone), 0.06... capped at 1
    got = holm({"a": 0.03, "b": 0.01, "c": 0.04, "d": 0.02})
    assert got == pytest.approx({"b": 0.04, "d": 0.06, "a": 0.06, "c": 0.06})
    assert holm({"x": 0.6, "y": 0.5}) == pytest.approx({"y": 1.0, "x": 1.0})


def test_narrowing_sizes_hit_the_budget_and_narrow():
    for budget in mx.P3C_DEPTH_BUDGETS:
        for depth in mx.P3C_DEPTHS:
            s = mx.narrowing_sizes(depth, budget)
            params = sum(a * b + b for a, b in zip(s[:-1], s[1:]))
            assert len(s) == depth + 2 and s[0] == 784 and s[-1] == 10
            assert all(a > b for a, b in zip(s[1:-1], s[2:])), s  # strictly narrowing towards 10
            assert abs(params - budget) / budget < 0.01, (s, params)


def _entry(sizes, acc, seed):
    return {"config": {"sizes": sizes, "seed": seed, "epochs": 2, "eval": "val"},
            "result": {"eval_acc": [acc - 0.01, acc], "params": 1, "train_loss": [1.0, 0.5], "cpu_seconds": 10.0}}


def test_depth_findings_pick_the_best_and_its_ties():
    entries = []
    for budget in mx.P3C_DEPTH_BUDGETS:
        for depth in mx.P3C_DEPTHS:
            base = 0.95 + 0.002 * depth if depth <= 3 else 0.956 - 0.01 * (depth - 3)
            for seed, jitter in enumerate((-0.0005, 0.0, 0.0005)):
                entries.append(_entry(mx.narrowing_sizes(depth, budget), base + jitter, seed))
    f = from_entries(entries)
    for budget in mx.P3C_DEPTH_BUDGETS:
        v = f.by_budget[budget]
        assert v.best.depth == 3
        assert 6 in v.worse
    assert f.gain(f.large, 3) == pytest.approx(0.004)


def test_group_reads_accuracies_curves_and_cost():
    g: Group = group([_entry([784, 10], 0.99, 0), _entry([784, 10], 0.98, 1)])
    assert g.accs == (0.99, 0.98) and g.mean == pytest.approx(0.985)
    assert g.cpu_seconds_per_epoch == pytest.approx(5.0) and g.best_epoch_mean == pytest.approx(0.985)
