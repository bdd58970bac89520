"""Stored predictions: both loops record each epoch's class counts and a test run's final labels, alike.

These are what the chapters' confusion matrices, McNemar tests and "answers a single digit" statements read,
so they must agree with the accuracies the same runs record, and between the two training loops.
"""

from __future__ import annotations

import math

import pytest
import torch

from hw7.instructors.compare import compare_flat, flatten
from hw7.instructors.tolerances import RECOMPUTE_RULES, Tolerance
from hw7.mnist.config import TrainConfig
from hw7.mnist.data import fingerprint
from hw7.mnist.reference import train_one
from hw7.mnist.train import train_many
from hw7.problem1.experiments import P1_SWEEP_LRS, decades
from mnist_fixtures import small_data

F64 = torch.float64


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_data(tmp_path_factory.mktemp("mnist"), n_train=200, n_test=100)


def cfg(**kw) -> TrainConfig:
    return TrainConfig(**{"epochs": 2, "batch_size": 10, **kw})


def accuracy_of(predictions: str, labels: torch.Tensor) -> float:
    return sum(int(p) == int(y) for p, y in zip(predictions, labels.tolist())) / len(predictions)


def test_both_loops_store_the_same_predictions(data):
    configs = [cfg(lr=0.1, seed=s) for s in range(2)]
    batched = dict(train_many(configs, data, progress=False, dtype=F64, compile=False))
    for i, c in enumerate(configs):
        alone = train_one(c, data, dtype=F64)
        for r in (batched[i], alone):
            assert len(r["predictions"]) == data.test_y.shape[0] and set(r["predictions"]) <= set("0123456789")
            assert accuracy_of(r["predictions"], data.test_y) == pytest.approx(r["eval_acc"][-1], abs=1e-12)
            assert len(r["pred_counts"]) == c.epochs
            assert all(len(row) == 10 and sum(row) == data.test_y.shape[0] for row in r["pred_counts"])
            last = [r["predictions"].count(str(d)) for d in range(10)]
            assert r["pred_counts"][-1] == last
        assert batched[i]["predictions"] == alone["predictions"]
        assert batched[i]["pred_counts"] == alone["pred_counts"]


def test_validation_runs_keep_counts_but_no_labels(data):
    r = train_one(cfg(lr=0.1, eval="val"), data, dtype=F64)
    assert r["predictions"] is None and len(r["pred_counts"]) == 2


def test_diverged_run_has_no_predictions(data):
    r = dict(train_many([cfg(lr=1e200, activation="relu", sizes=(784, 16, 10))], data, progress=False,
                        dtype=F64, compile=False))[0]
    assert r["diverged_epoch"] == 1 and r["predictions"] is None
    assert r["pred_counts"] == [None, None]
    assert all(math.isnan(a) for a in r["eval_acc"])


def test_fingerprint_names_the_data(data):
    fp = fingerprint(data)
    assert len(fp) == 64 and fp == fingerprint(data)
    labels = data.train_y.clone()
    labels[0] = (labels[0] + 1) % 10
    changed = type(data)(data.train_x, labels, data.test_x, data.test_y)
    assert fingerprint(changed) != fp


def test_recomputed_predictions_within_ten_images_agree():
    tol = Tolerance(RECOMPUTE_RULES)
    a = "0" * 10_000
    near = "1" * 10 + a[10:]
    far = "1" * 11 + a[11:]
    assert compare_flat(flatten({"predictions": a}), flatten({"predictions": near}), tol).ok
    report = compare_flat(flatten({"predictions": a}), flatten({"predictions": far}), tol)
    assert not report.ok and "10 labels differ" not in report.differences[0].detail
    assert "11 of 10000 labels differ" in report.differences[0].detail


def test_fields_a_cached_run_predates_are_not_a_difference():
    tol = Tolerance(RECOMPUTE_RULES)
    old = {"eval_acc": [0.5]}
    new = {"eval_acc": [0.5], "predictions": "1" * 10, "pred_counts": [[0] * 9 + [10]], "data_fingerprint": "ab"}
    assert compare_flat(flatten(old), flatten(new), tol).ok
    assert not compare_flat(flatten({**old, "eval_acc": [0.6]}), flatten(new), tol).ok


def test_sweep_rates_are_the_nearest_doubles_on_every_machine():
    """The rates are cache-key material: exact powers of ten where they exist, independent of a float pow."""
    assert len(P1_SWEEP_LRS) == 41 and P1_SWEEP_LRS[0] == 1e-6 and P1_SWEEP_LRS[-1] == 1e-1
    assert P1_SWEEP_LRS[8] == 1e-5 and P1_SWEEP_LRS[16] == 1e-4 and P1_SWEEP_LRS[24] == 1e-3
    assert decades(-1, 0, 2) == [0.1, 0.31622776601683794, 1.0]


def test_input_norms_agree_between_loops_and_with_the_network(data):
    """Each layer's mean input norm: the image's first, then each hidden layer's activations (both loops)."""
    from hw7.mnist.network import Network

    c = cfg(lr=0.1, sizes=(784, 16, 12, 10), epochs=1)
    batched = dict(train_many([c], data, progress=False, dtype=F64, compile=False))[0]
    alone = train_one(c, data, dtype=F64)
    assert len(batched["input_norms"]) == 1 and len(batched["input_norms"][0]) == 3
    assert batched["input_norms"][0] == pytest.approx(alone["input_norms"][0], rel=1e-9)
    image_norm = data.test_x.double().norm(dim=1).mean().item()
    assert batched["input_norms"][0][0] == pytest.approx(image_norm, rel=1e-9)
    fresh = Network(c.sizes, c.activation, c.init, seed=c.seed).double()
    sig = torch.sigmoid(fresh.linears[0](data.test_x.double()))
    assert fresh.input_norms(data.test_x.double())[1] == pytest.approx(sig.norm(dim=1).mean().item(), rel=1e-12)
