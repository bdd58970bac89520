"""The optimizer zoo runner: configs, initialisation, reproducibility; and the appendix registry/summary."""

from __future__ import annotations

import json
import math

import pytest
import torch

from hw7.errors import ConfigError
from hw7.mnist.experiments import P2_BASELINE
from hw7.readings import experiments as ae
from hw7.readings import metrics
from hw7.readings import zoo as zoo_runner
from hw7.store import registry
from mnist_fixtures import small_data


def tiny(optimizer, seed=0):
    return zoo_runner.zoo_config(optimizer, seed, iterations=6, batch_size=50, hidden=16, eval_every=3)


def test_every_optimizer_builds_with_the_tutorial_settings():
    params = [torch.nn.Parameter(torch.zeros(3))]
    for name in ae.ZOO_OPTIMIZERS:
        opt = zoo_runner.make_optimizer(name, zoo_runner.TUTORIAL_HYPER[name], params)
        if name in ("sgd", "momentum", "nesterov"):
            assert opt.defaults["lr"] == 0.1
    assert zoo_runner.make_optimizer("nesterov", {"lr": 0.1, "momentum": 0.9}, params).defaults["nesterov"] is True


def test_default_linear_initialisation_bound():
    model = zoo_runner.build_model(100, seed=3)
    bound = 1 / math.sqrt(784)
    assert model[0].weight.abs().max() <= bound and model[0].weight.abs().max() > 0.9 * bound
    assert model[2].bias.abs().max() <= 1 / math.sqrt(100)
    assert torch.equal(zoo_runner.build_model(100, seed=3)[0].weight, model[0].weight)
    assert not torch.equal(zoo_runner.build_model(100, seed=4)[0].weight, model[0].weight)


def test_runs_are_reproducible_and_json(tmp_path):
    data = small_data(tmp_path, n_train=200, n_test=50)
    cfgs = [tiny("adam", 0), tiny("sgd", 1), tiny("adam", 0)]
    out = dict(zoo_runner.run(cfgs, progress=False, data=data))
    assert out[0]["test_acc"] == out[2]["test_acc"] and out[0]["iterations"] == [3, 6]
    assert out[1]["hyper_effective"]["lr"] == 0.1
    json.dumps(out[0], allow_nan=False)


@pytest.mark.parametrize("bad, message", [
    ({"optimizer": "lion"}, "optimizer"),
    ({"eval_every": 4}, "divide"),
    ({"seed": -1}, "seed"),
    ({"hyper": {"lr": "fast"}}, "hyper"),
])
def test_config_errors_before_training(bad, message):
    with pytest.raises(ConfigError, match=message):
        list(zoo_runner.run([tiny("sgd"), {**tiny("sgd"), **bad}], progress=False, data=object()))


def test_appendix_experiments_are_registered():
    names = [n for n in registry.experiments() if n.startswith("app-")]
    assert set(names) == {"app-zoo", "app-lnn-depth", "app-lnn-lr", "app-lnn-init", "app-numpy-gradcheck", "app-numpy-mnist"}
    zoo = registry.get("app-zoo")
    assert len(zoo.runs) == len(ae.ZOO_OPTIMIZERS) * len(ae.ZOO_SEEDS) and len(ae.ZOO_SEEDS) >= 5
    assert set(metrics.METRICS) <= set(registry.experiments())


def test_numpy_mnist_runs_are_the_problem_2a_runs():
    """Same config (and so same seeds, initial weights and batches) as Problem 2(a) at lr 1e-3."""
    p2 = {r.config_json for r in registry.get("p2-a-sgd-lr").runs}
    for run in registry.get("app-numpy-mnist").runs:
        assert run.config_json in p2 or ae.NUMPY_EPOCHS != P2_BASELINE["epochs"]


def _entry(config, result):
    return {"config": config, "result": result}


def test_summary_metrics_on_fake_entries():
    zoo = [_entry(zoo_runner.zoo_config(o, s), {"final_test_acc": 0.9 + 0.01 * s}) for o in ae.ZOO_OPTIMIZERS for s in range(3)]
    out = metrics.METRICS["app-zoo"](zoo)
    assert out["app.zoo.adam.test_acc.mean"] == pytest.approx(0.91)
    assert out["app.zoo.adam.test_acc.sd"] == pytest.approx(0.01)
    lr = metrics.METRICS["app-lnn-lr"]([_entry({"depths": [5, 10], "inits": [0.9]}, {"best_lr": [[0.2], [None]]})])
    assert lr == {"app.lnn.best_lr.depth5": 0.2, "app.lnn.best_lr.depth10": None}
    grad = metrics.METRICS["app-numpy-gradcheck"]([_entry({}, {"max_rel_error": {"a": 1e-9, "b": 3e-8}})])
    assert grad["app.numpy.max_grad_rel_error"] == 3e-8
    entries = [_entry({}, {"eval_acc": [0.5, 0.9]}), _entry({}, {"eval_acc": [0.5, 0.8]})]
    acc = metrics.METRICS["app-numpy-mnist"](entries)
    assert acc["app.numpy.final_test_acc"] == pytest.approx(0.85)
    assert all(any(k.startswith(p) for p in metrics.DESCRIPTIONS) for d in (out, lr, grad, acc) for k in d)
