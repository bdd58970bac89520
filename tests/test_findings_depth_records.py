"""The depth search's widths, and the depth and record findings computed from entries."""

from __future__ import annotations

import numpy as np
import pytest

from hw7.findings import depth as fd
from hw7.findings import records as fr
from hw7.mnist import experiments as mx


def test_narrowing_sizes_hit_the_budget_and_narrow():
    for budget in mx.P3C_DEPTH_BUDGETS:
        for depth in mx.P3C_DEPTHS:
            s = mx.narrowing_sizes(depth, budget)
            params = sum(a * b + b for a, b in zip(s[:-1], s[1:]))
            assert len(s) == depth + 2 and s[0] == 784 and s[-1] == 10
            assert all(a > b for a, b in zip(s[1:-1], s[2:])), s  # strictly narrowing towards 10
            assert abs(params - budget) / budget < 0.01, (s, params)


def _entry(sizes, acc, seed, cpu=10.0):
    return {"config": {"sizes": sizes, "seed": seed, "epochs": 2, "eval": "val"},
            "result": {"eval_acc": [acc - 0.01, acc], "params": 1, "train_loss": [1.0, 0.5], "cpu_seconds": cpu}}


def test_budget_names_the_best_depth_its_ties_and_the_clearly_worse():
    entries = []
    means = {1: 0.952, 2: 0.954, 3: 0.956, 4: 0.9555, 5: 0.950, 6: 0.946}
    for depth, base in means.items():
        for seed, jitter in enumerate(np.roll((-0.0005, 0.0, 0.0005), depth)):
            entries.append(_entry(mx.narrowing_sizes(depth, 100_000), base + jitter, seed))
    b = fd._budget(100_000, entries)
    assert b.best == 3
    assert 4 in b.tied and 6 in b.holm_worse and 6 not in b.tied
    assert b.spread == pytest.approx(0.010)


def test_group_reads_accuracies_curves_and_cost():
    g = fr._group([_entry([784, 10], 0.99, 0, cpu=20.0), _entry([784, 10], 0.98, 1, cpu=40.0)])
    assert g.acc.values == (0.99, 0.98) and g.acc.mean == pytest.approx(0.985)
    assert g.cpu_seconds_per_epoch == pytest.approx(15.0) and g.best_epoch_mean == pytest.approx(0.985)
    assert isinstance(g.curves, np.ndarray) and g.curves.shape == (2, 2)
