"""The from-scratch NumPy network: backward passes, dropout modes, optimizer updates, agreement with torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hw7.errors import ConfigError
from hw7.readings import numpy_net as nn_np
from hw7.readings import numpy_runner
from hw7.readings.experiments import numpy_config
from mnist_fixtures import small_data

RNG = np.random.default_rng(1234)


def test_rel_error_is_symmetric_and_zero_for_equal_arrays():
    a = RNG.normal(size=(3, 4))
    assert nn_np.rel_error(a, a) == 0.0
    assert nn_np.rel_error(a, 2 * a) == pytest.approx(1 / 3)


def test_linear_forward_flattens_inputs():
    layer = nn_np.Linear(24, 3, rng=RNG)
    x = RNG.normal(size=(2, 2, 3, 4))
    expected = x.reshape(2, -1) @ layer.params["W"] + layer.params["b"]
    np.testing.assert_allclose(layer.forward(x), expected)
    assert layer.backward(np.ones((2, 3))).shape == x.shape


@pytest.mark.parametrize("make, x", [
    (lambda: nn_np.Linear(12, 7, rng=np.random.default_rng(0)), RNG.normal(size=(5, 3, 4))),
    (nn_np.ReLU, RNG.choice([-1, 1], size=(10, 10)) * (0.1 + RNG.random((10, 10)))),
    (nn_np.Sigmoid, RNG.normal(scale=1.5, size=(10, 10))),
    (lambda: nn_np.Dropout(0.5, seed=3), RNG.normal(size=(6, 6)) + 5),
])
def test_backward_matches_centred_differences(make, x):
    errors = nn_np.check_layer(make(), x, np.random.default_rng(0))
    assert max(errors.values()) < 1e-7, errors


def test_softmax_cross_entropy_value_and_gradient():
    logits = 1e-3 * RNG.normal(size=(50, 5))
    labels = RNG.integers(5, size=50)
    ce = nn_np.SoftmaxCrossEntropy()
    loss = ce.forward(logits, labels)
    assert loss == pytest.approx(np.log(5), abs=5e-3)  # near-uniform scores
    torch_loss = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels))
    assert loss == pytest.approx(torch_loss.item(), rel=1e-12)
    analytic = ce.backward()  # before the numerical gradient, which runs forward on perturbed logits
    num = nn_np.numerical_gradient(lambda: ce.forward(logits, labels), logits)
    assert nn_np.rel_error(analytic, num) < 1e-7


def test_softmax_is_stable_for_large_logits():
    ce = nn_np.SoftmaxCrossEntropy()
    assert np.isfinite(ce.forward(np.array([[1000.0, -1000.0, 0.0]]), np.array([0])))
    np.testing.assert_allclose(nn_np.softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])


@pytest.mark.parametrize("activation, dropout", [("sigmoid", 0.0), ("relu", 0.0), ("relu", 0.25)])
def test_whole_network_gradient(activation, dropout):
    net = nn_np.mlp([6, 9, 8, 4], activation, dropout=dropout, rng=np.random.default_rng(5), dropout_seed=9)
    x = RNG.normal(size=(5, 6))
    y = RNG.integers(4, size=5)
    errors = nn_np.check_network(net, x, y)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("p", [0.25, 0.5, 0.75])
def test_inverted_dropout_train_and_test_modes(p):
    x = RNG.normal(size=(200, 200)) + 5.0
    layer = nn_np.Dropout(p, rng=np.random.default_rng(0))
    out = layer.forward(x)
    assert (out == 0).mean() == pytest.approx(p, abs=0.01)
    assert out.mean() == pytest.approx(x.mean(), rel=0.02)  # survivors scaled by 1/(1-p)
    layer.training = False
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(x), x)


def test_sequential_eval_switches_dropout_off():
    net = nn_np.mlp([4, 8, 3], "relu", dropout=0.5, rng=np.random.default_rng(0))
    x = RNG.normal(size=(7, 4))
    net.eval()
    np.testing.assert_array_equal(net.forward(x), net.forward(x))
    net.train()
    assert not np.array_equal(net.forward(x), net.forward(x))


def _one_param_layer(w, dw):
    layer = nn_np.Layer()
    layer.params = {"w": w.copy()}
    layer.grads = {"w": dw.copy()}
    return layer


# One update from given states, with the expected values the exercise publishes (first row, 4x5 grid).
W0 = np.linspace(-0.4, 0.6, num=20).reshape(4, 5)
DW = np.linspace(-0.6, 0.4, num=20).reshape(4, 5)


def test_momentum_step_matches_the_exercise():
    # exercise: v = 0.9 v - lr dw; w += v, with v0 = linspace(0.6, 0.9); ours keeps b = -v / lr
    layer = _one_param_layer(W0, DW)
    opt = nn_np.SGD([layer], 1e-3, momentum=0.9)
    v0 = np.linspace(0.6, 0.9, num=20).reshape(4, 5)
    opt.state[(0, "w")] = {"buf": -v0 / 1e-3}
    opt.step()
    np.testing.assert_allclose(layer.params["w"][0], [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789], rtol=1e-7)


def test_rmsprop_step_matches_the_exercise():
    layer = _one_param_layer(W0, DW)
    opt = nn_np.RMSProp([layer], 1e-2, 0.99)
    opt.state[(0, "w")] = {"cache": np.linspace(0.6, 0.9, num=20).reshape(4, 5)}
    opt.step()
    np.testing.assert_allclose(layer.params["w"][0], [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247], rtol=1e-7)
    np.testing.assert_allclose(opt.state[(0, "w")]["cache"][0], [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321], rtol=1e-7)


def test_adam_step_matches_the_exercise():
    layer = _one_param_layer(W0, DW)
    opt = nn_np.Adam([layer], 1e-2, 0.9, 0.999, t=5)
    opt.state[(0, "w")] = {"m": np.linspace(0.6, 0.9, num=20).reshape(4, 5), "v": np.linspace(0.7, 0.5, num=20).reshape(4, 5)}
    opt.step()
    np.testing.assert_allclose(layer.params["w"][0], [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977], rtol=1e-7)
    np.testing.assert_allclose(opt.state[(0, "w")]["v"][0], [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853], rtol=1e-7)


@pytest.mark.parametrize("name, kwargs", [
    ("sgd", {"momentum": 0.8, "nesterov": True, "weight_decay": 1e-2}),
    ("sgd", {"momentum": 0.9}),
    ("rmsprop", {}),
    ("adam", {}),
])
def test_optimizers_match_torch_over_several_steps(name, kwargs):
    w = RNG.normal(size=(3, 4))
    grads = [RNG.normal(size=(3, 4)) for _ in range(5)]
    layer = _one_param_layer(w, grads[0])
    tw = torch.tensor(w, requires_grad=True)
    if name == "sgd":
        ours, theirs = nn_np.SGD([layer], 0.05, **kwargs), torch.optim.SGD([tw], lr=0.05, **kwargs)
    elif name == "rmsprop":
        ours, theirs = nn_np.RMSProp([layer], 0.01, 0.99, 1e-8), torch.optim.RMSprop([tw], lr=0.01, alpha=0.99, eps=1e-8)
    else:
        ours, theirs = nn_np.Adam([layer], 0.01), torch.optim.Adam([tw], lr=0.01)
    for g in grads:
        layer.grads["w"] = g.copy()
        ours.step()
        tw.grad = torch.tensor(g)
        theirs.step()
    np.testing.assert_allclose(layer.params["w"], tw.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_numpy_net_equals_torch_network_and_sgd(tmp_path):
    """Same [784, 30, 10] sigmoid net, same initial weights, same batches: same losses and weights."""
    data = small_data(tmp_path, n_train=200, n_test=50)
    match = numpy_runner.torch_match(numpy_config(0), 20, data)
    assert match["max_loss_gap"] < 1e-12
    assert match["max_weight_gap"] < 1e-12
    assert match["loss_numpy"][-1] < match["loss_numpy"][0] + 0.5  # it trained, without blowing up


def test_numpy_training_run_records_epochs(tmp_path):
    data = small_data(tmp_path, n_train=200, n_test=50)
    cfg = {**numpy_config(1), "epochs": 2, "batch_size": 20, "lr": 0.5}
    [(i, r)] = list(numpy_runner.run([cfg], progress=False, data=data))
    assert i == 0 and r["epochs"] == [1, 2] and len(r["eval_acc"]) == 2
    assert r["eval_acc"][-1] > 0.3  # the synthetic digits are easy
    assert r["train_loss"][1] < r["train_loss"][0]


def test_gradcheck_run_is_json_and_below_threshold(tmp_path):
    import json

    data = small_data(tmp_path, n_train=60, n_test=20)
    cfg = {"seed": 0, "h": 1e-5, "match_steps": 3, "match_config": numpy_config(0)}
    [(_, r)] = list(numpy_runner.run_gradcheck([cfg], progress=False, data=data))
    json.dumps(r, allow_nan=False)
    assert max(r["max_rel_error"].values()) < 1e-6
    layers = {k: v for k, v in r["max_rel_error"].items() if not k.startswith("net_")}
    assert max(layers.values()) < 1e-7


@pytest.mark.parametrize("bad, message", [
    ({"dropout": 0.5}, "not supported"),
    ({"lr": -1.0}, "lr"),
    ({"typo": 1}, "unknown config key"),
])
def test_numpy_config_errors(bad, message):
    with pytest.raises(ConfigError, match=message):
        list(numpy_runner.run([{**numpy_config(0), **bad}], progress=False, data=object()))


def test_gradcheck_config_errors():
    with pytest.raises(ConfigError, match="exactly the keys"):
        list(numpy_runner.run_gradcheck([{"seed": 0}], progress=False, data=object()))
