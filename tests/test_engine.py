"""Batched engine: config validation, equivalence with the plain torch.optim loop, divergence, determinism."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
import torch
import torch.nn.functional as F

from hw7.errors import ConfigError, Hw7Error
from hw7.instructors import verdicts
from hw7.mnist import batched as batched_step
from hw7.mnist import engine
from hw7.mnist import runner as mnist_runner
from hw7.mnist.batched import Chunk, compile_available
from hw7.mnist.config import TrainConfig
from hw7.mnist.reference import train_one
from hw7.mnist.train import train_many
from mnist_fixtures import small_data

F64 = torch.float64
METRICS = ("eval_acc", "eval_loss", "train_loss", "grad_ratio", "grad_norms")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_data(tmp_path_factory.mktemp("mnist"), n_train=200, n_test=100)


def cfg(**kw) -> TrainConfig:
    base = dict(epochs=2, batch_size=10)
    base.update(kw)
    return TrainConfig(**base)


def assert_same(a: dict, b: dict, rtol: float = 1e-9, atol: float = 1e-11) -> None:
    assert a["diverged_epoch"] == b["diverged_epoch"]
    assert a["epochs"] == b["epochs"] and a["params"] == b["params"] and a["eval_set"] == b["eval_set"]
    for key in METRICS:
        x = torch.tensor(a[key], dtype=F64)
        y = torch.tensor(b[key], dtype=F64)
        assert x.shape == y.shape, key
        assert torch.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True), (key, a[key], b[key])


def batched(configs, data, **kw) -> dict[int, dict]:
    kw.setdefault("compile", False)  # the compiled path has its own tests (compiling takes seconds)
    out = dict(train_many(configs, data, progress=False, dtype=kw.pop("dtype", F64), **kw))
    assert sorted(out) == list(range(len(configs)))
    return out


# ------------------------------------------------------------------------------------------ config

def test_config_round_trip():
    c = TrainConfig.from_dict({"sizes": [784, 100, 10], "optimizer": "adam", "lr": 0.01, "betas": [0.8, 0.99],
                               "scheduler": {"step_size": 2, "gamma": 0.7}, "eval": "val"})
    d = json.loads(json.dumps(c.to_dict()))
    assert TrainConfig.from_dict(d) == c
    assert d["scheduler"] == {"step_size": 2, "gamma": 0.7} and d["sizes"] == [784, 100, 10]
    assert TrainConfig.from_dict({}) == TrainConfig()


@pytest.mark.parametrize("bad, message", [
    ({"lrr": 0.1}, "unknown config key 'lrr' (known: sizes,"),
    ({"lr": -1}, "'lr' must be a positive"),
    ({"lr": float("nan")}, "'lr' must be a positive"),
    ({"lr": "0.1"}, "'lr' must be a positive"),
    ({"sizes": [784]}, "'sizes'"),
    ({"sizes": [784, 0, 10]}, "'sizes'"),
    ({"activation": "tanh"}, "'activation' must be one of sigmoid, relu"),
    ({"optimizer": "rmsprop"}, "'optimizer'"),
    ({"momentum": 1.5}, "'momentum'"),
    ({"momentum": 0.0}, "'nesterov' needs"),
    ({"betas": [0.9]}, "'betas'"),
    ({"batch_size": 0}, "'batch_size'"),
    ({"epochs": 2.5}, "'epochs'"),
    ({"epochs": True}, "'epochs'"),
    ({"scheduler": {"step_size": 2}}, "'scheduler'"),
    ({"scheduler": {"step_size": 0, "gamma": 0.5}}, "'scheduler'"),
    ({"eval": "train"}, "'eval'"),
    ({"dropout": 1.0}, "'dropout'"),
])
def test_config_errors(bad, message):
    with pytest.raises(ConfigError) as err:
        TrainConfig.from_dict(bad)
    assert isinstance(err.value, Hw7Error)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_config_checked_against_data(data):
    with pytest.raises(ConfigError, match="pixels"):
        list(train_many([cfg(sizes=(100, 10))], data, progress=False))


# ------------------------------------------------------------------------------------- gradients

@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_hand_gradients_match_autograd(data, activation):
    configs = [cfg(sizes=(784, 12, 9, 10), activation=activation, seed=s) for s in range(3)]
    chunk = Chunk(configs, data.to(dtype=F64), torch.device("cpu"), F64)
    chunk.set_epoch(0, data.train_x.shape[0])
    chunk.gradients(0)
    ws = [w.clone().requires_grad_(True) for w in chunk.W]
    bs = [b.clone().requires_grad_(True) for b in chunk.b]
    x = data.train_x.to(F64)[chunk.order[0]]  # (K, B, 784)
    y = data.train_y[chunk.order[0]]
    a = x
    for l, (w, b) in enumerate(zip(ws, bs)):
        a = torch.baddbmm(b, a, w)
        if l < len(ws) - 1:
            a = torch.sigmoid(a) if activation == "sigmoid" else torch.relu(a)
    # each run's loss is its own batch mean; the sum over runs keeps their gradients apart
    loss = sum(F.cross_entropy(a[k], y[k]) for k in range(len(configs)))
    loss.backward()
    for got, want in zip(chunk.gW + chunk.gb, [w.grad for w in ws] + [b.grad for b in bs]):
        assert torch.allclose(got, want, rtol=1e-10, atol=1e-13)
    norms = torch.stack([w.grad.flatten(1).norm(dim=1) for w in ws], dim=1)
    assert torch.allclose(chunk.norm_acc, norms)
    assert torch.allclose(chunk.ratio_acc, norms[:, 0] / norms[:, -1])


# ----------------------------------------------------------------------------------- equivalence

EQUIV = {
    "sgd-sigmoid-shallow": [cfg(lr=lr, seed=i) for i, lr in enumerate([0.5, 0.05, 0.005])],
    "sgd-relu-deep": [cfg(sizes=(784, 16, 16, 16, 16, 16, 10), activation="relu", init="kaiming_uniform",
                          lr=lr, seed=i, momentum=m) for i, (lr, m) in enumerate([(0.05, 0.8), (0.01, 0.5)])],
    "sgd-plain-momentum-steplr": [cfg(lr=0.1, nesterov=False, momentum=0.9, scheduler=(1, 0.5), epochs=3),
                                  cfg(lr=0.1, nesterov=False, momentum=0.7, weight_decay=1e-3, epochs=3, seed=3)],
    "adam-sigmoid-deep": [cfg(sizes=(784, 16, 16, 16, 16, 16, 10), optimizer="adam", lr=lr, seed=i)
                          for i, lr in enumerate([1e-3, 1e-2])],
    "adam-relu-shallow-steplr": [cfg(optimizer="adam", activation="relu", init="kaiming_uniform", lr=3e-3,
                                     betas=(0.8, 0.99), eps=1e-6, scheduler=(1, 0.3), epochs=3),
                                 cfg(optimizer="adam", activation="relu", lr=1e-3, weight_decay=0.0, seed=5, epochs=3)],
    "sgd-tail-batch": [cfg(batch_size=7, lr=0.1, seed=s) for s in range(2)],
    "adam-val": [cfg(optimizer="adam", lr=1e-2, eval="val", seed=s) for s in range(2)],
}


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "broadcast"])
@pytest.mark.parametrize("name", list(EQUIV))
def test_batched_equals_reference(data, name, fused):
    configs = EQUIV[name]
    got = batched(configs, data, fused=fused)
    for i, c in enumerate(configs):
        want = train_one(c, data, dtype=F64)
        assert_same(got[i], want)
        assert got[i]["runs_in_batch"] == len(configs)
    assert got[0]["train_loss"] != got[1]["train_loss"]  # runs really differ


def steps(c: TrainConfig, data) -> int:
    """Sequential update steps of a run on ``data``: epochs x mini-batches per epoch."""
    return c.epochs * math.ceil(data.train_x.shape[0] / c.batch_size)


def float32_rtol(c: TrainConfig, data) -> float:
    """Relative tolerance for two float32 computations of ``c`` that add in different orders.

    The batched engine (``baddbmm`` over K runs) and the reference loop (``nn.Linear``), or one CPU
    and another, run different matrix kernels: each step's results then differ by a few units of
    float32 roundoff u = 2^-24 ~ 6.0e-8. ``hw7.instructors.verdicts.rounding_rtol`` allows 4 units per step
    (forward, backward, update, evaluation) and, as long as training has not turned chaotic (a few
    epochs on small data), adds them up over the S steps: rtol = 4 * u * S. Here S = 2 or 3 epochs
    x 20 batches = 40 or 60 steps, rtol ~ 1e-5 to 1.4e-5: far below any real change of the numbers
    (a wrong gradient or update changes them in the second digit), far above what reordering a sum
    does (a few u per step; measured 6e-7 relative on an AMD EPYC vs the machine the cache was made on).
    """
    return verdicts.rounding_rtol(verdicts.U32, steps(c, data))


def test_batched_equals_reference_float32(data):
    """Batched float32 vs the torch.optim loop in float32: equal within float32 rounding over the steps."""
    configs = [cfg(lr=lr, seed=i) for i, lr in enumerate([0.3, 0.03])]
    got = batched(configs, data, dtype=torch.float32)
    for i, c in enumerate(configs):
        assert_same(got[i], train_one(c, data), rtol=float32_rtol(c, data), atol=0)


def test_learns_synthetic_pattern(data):
    r = batched([cfg(optimizer="adam", lr=1e-2, epochs=3)], data, dtype=torch.float32)[0]
    assert r["eval_acc"][-1] > 0.9 and r["train_loss"][-1] < r["train_loss"][0]


# -------------------------------------------------------------------------- divergence, determinism

def test_diverging_run_does_not_disturb_others(data):
    """A diverging run in a batch leaves the others as they would be alone.

    float64: equal to the reference and to training alone within 1e-9 (rounding of 2^-53 per step
    cannot reach that in 60 steps). float32 (production): training alone is another batch shape,
    for which the BLAS may pick other matrix kernels (which ones depends on the CPU), so bit-identity
    is not promised; the runs must agree within float32 rounding over the 3 epochs x 20 batches = 60
    steps compared (:func:`float32_rtol`: 4 * 2^-24 * 60 = 1.4e-5).
    """
    good = [cfg(lr=0.05, activation="relu", sizes=(784, 16, 16, 10), seed=s, epochs=3) for s in range(2)]
    bad = cfg(lr=1e200, activation="relu", sizes=(784, 16, 16, 10), seed=9, epochs=3)
    got = batched([good[0], bad, good[1]], data)
    assert got[1]["diverged_epoch"] == 1
    assert all(math.isnan(v) for v in got[1]["eval_acc"]) and len(got[1]["eval_acc"]) == 3
    assert all(math.isnan(v) for row in got[1]["grad_norms"] for v in row)
    assert_same(got[1], train_one(bad, data, dtype=F64))
    got32 = batched([good[0], bad, good[1]], data, dtype=torch.float32)
    assert got32[1]["diverged_epoch"] == 1
    for i, c in ((0, good[0]), (2, good[1])):
        assert got[i]["diverged_epoch"] is None
        assert_same(got[i], train_one(c, data, dtype=F64))
        assert_same(got[i], batched([c], data)[0])
        # in float32 (production): equal to training it alone within float32 rounding (not bit for bit)
        assert got32[i]["diverged_epoch"] is None
        assert_same(got32[i], batched([c], data, dtype=torch.float32)[0], rtol=float32_rtol(c, data), atol=0)


def test_deterministic(data):
    """Same process, same batch, same kernels: here (and only here) bit-identity is guaranteed."""
    configs = [cfg(lr=0.1, seed=1), cfg(optimizer="adam", lr=1e-3, seed=2)]
    a = batched(configs, data, dtype=torch.float32)
    b = batched(configs, data, dtype=torch.float32)
    for i in range(2):
        a[i].pop("seconds"), b[i].pop("seconds")
        assert a[i] == b[i]
    assert json.loads(json.dumps(a[0])) == a[0]


def test_seed_changes_run(data):
    a = batched([cfg(seed=1)], data)[0]
    b = batched([cfg(seed=2)], data)[0]
    assert a["train_loss"] != b["train_loss"]


def test_chunks_and_mixed_groups(data):
    configs = [cfg(lr=0.1, seed=0), cfg(optimizer="adam", lr=1e-3), cfg(lr=0.2, seed=1),
               cfg(batch_norm=True, dropout=0.2, lr=0.1, sizes=(784, 16, 10)), cfg(lr=0.3, seed=2)]
    got = batched(configs, data, chunk_size=2)
    assert got[0]["runs_in_batch"] == 2 and got[4]["runs_in_batch"] == 1
    assert got[3]["params"] == 784 * 16 + 16 + 16 * 10 + 10 + 2 * 16
    assert_same(got[3], train_one(configs[3], data, dtype=F64))
    assert_same(got[4], train_one(configs[4], data, dtype=F64))
    rerun = train_one(configs[3], data, dtype=F64)
    for timing in ("seconds", "cpu_seconds"):  # timings differ between runs; everything else must not
        rerun.pop(timing), got[3].pop(timing)
    assert rerun == got[3]  # dropout is seeded too


def test_progress_bar(data, capsys):
    out = dict(train_many([cfg(epochs=1)], data, progress=True, compile=False))
    assert out[0]["eval_acc"]
    assert "chunk 1/1" in capsys.readouterr().err


def test_runner(data, monkeypatch):
    monkeypatch.setattr(mnist_runner, "load_mnist", lambda: data)
    monkeypatch.setattr(engine, "compile_available", lambda device: False)
    out = list(mnist_runner.run([{"epochs": 1, "lr": 0.1}, {"epochs": 1, "optimizer": "adam"}], progress=False))
    assert sorted(i for i, _ in out) == [0, 1]
    assert all(r["device"] == "cpu" and len(r["eval_acc"]) == 1 for _, r in out)
    with pytest.raises(ConfigError, match="unknown config key"):
        next(mnist_runner.run([{"epochs": 1}, {"epoch": 1}], progress=False))


# ------------------------------------------------------------------------------- compiled step

needs_compiler = pytest.mark.skipif(not compile_available(torch.device("cpu")),
                                    reason="torch.compile needs a C++ compiler")


@needs_compiler
@pytest.mark.parametrize("name", ["sgd-sigmoid-shallow", "adam-relu-deep"])
def test_compiled_equals_reference(data, name):
    if name == "sgd-sigmoid-shallow":
        good = [cfg(lr=lr, seed=i, epochs=3) for i, lr in enumerate([0.5, 0.05])]
    else:
        good = [cfg(sizes=(784, 16, 16, 16, 16, 16, 10), activation="relu", init="kaiming_uniform", optimizer="adam",
                    lr=lr, seed=i, epochs=3, scheduler=(1, 0.5)) for i, lr in enumerate([1e-3, 1e-2])]
    bad = dataclasses.replace(good[0], lr=1e200, seed=7)
    configs = [good[0], bad, good[1]]
    got = batched(configs, data, compile=True)
    assert not batched_step._COMPILE_BROKEN[0]  # it really ran compiled
    assert got[1]["diverged_epoch"] == 1  # frozen in place; the others carry on
    for i, c in enumerate(configs):
        assert_same(got[i], train_one(c, data, dtype=F64))


# ------------------------------------------------------------------------------------------ CUDA
# `pytest -m cuda` runs only these; without a GPU they are skipped (tests/conftest.py). Unmeasured so
# far: no GPU was available when they were written (docs/instructors.md).

@pytest.mark.cuda
@pytest.mark.parametrize("name", ["sgd-sigmoid-shallow", "adam-sigmoid-deep", "sgd-plain-momentum-steplr"])
def test_cuda_batched_equals_reference(data, name):
    """float64 on the GPU: the same equivalence with the CPU reference loop as on the CPU."""
    configs = EQUIV[name]
    got = batched(configs, data, device="cuda")
    for i, c in enumerate(configs):
        assert got[i]["device"].startswith("cuda")
        assert_same(got[i], train_one(c, data, dtype=F64))


@pytest.mark.cuda
def test_cuda_float32_is_equivalent_to_cpu(data):
    """float32 on the GPU vs on the CPU: other kernels, so equal within float32 rounding over the steps."""
    configs = [cfg(lr=lr, seed=i, epochs=3) for i, lr in enumerate([0.3, 0.03])]
    gpu = batched(configs, data, dtype=torch.float32, device="cuda")
    cpu = batched(configs, data, dtype=torch.float32, device="cpu")
    for i, c in enumerate(configs):
        assert_same(gpu[i], cpu[i], rtol=float32_rtol(c, data), atol=0)
