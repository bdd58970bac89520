"""Deep narrow linear networks: chain-rule gradient, vectorised training, learning time, configs."""

from __future__ import annotations

import numpy as np
import pytest

from hw7.errors import ConfigError
from hw7.readings import linear_nets as lnn

DATA = {"n": 100, "slope": 2.0, "sigma": 0.1, "seed": 2021}


def config(**kw):
    return {"depths": [1, 3], "lrs": [0.01, 0.05], "inits": [0.9], "epochs": 50, "threshold": 1e-2,
            "data": dict(DATA), "curves": "all", **kw}


def test_others_product_without_division():
    W = np.array([[2.0, 0.0, 3.0, 5.0], [1.5, -2.0, 0.5, 1.0]])
    expected = np.array([[np.prod(np.delete(row, i)) for i in range(4)] for row in W])
    np.testing.assert_allclose(lnn.others_product(W), expected)


def test_gradient_is_the_chain_rule_through_the_product():
    x, y = lnn.make_data(**DATA)
    W = np.array([[0.9, 1.1, 0.7, 1.3]])
    mask = np.ones_like(W)
    loss, grad = lnn.loss_and_grad(W, mask, x, y)
    h = 1e-6
    num = np.zeros(4)
    for i in range(4):
        Wp, Wm = W.copy(), W.copy()
        Wp[0, i] += h
        Wm[0, i] -= h
        num[i] = (lnn.loss_and_grad(Wp, mask, x, y)[0][0] - lnn.loss_and_grad(Wm, mask, x, y)[0][0]) / (2 * h)
    np.testing.assert_allclose(grad[0], num, rtol=1e-7)
    assert loss[0] == pytest.approx(0.5 * np.mean((y - np.prod(W) * x) ** 2))


def test_vectorised_grid_equals_a_plain_loop():
    x, y = lnn.make_data(**DATA)
    losses = lnn.train_grid([1, 4], [0.02, 0.1], [0.8, 1.0], 30, x, y)
    for a, d in enumerate([1, 4]):
        for b, lr in enumerate([0.02, 0.1]):
            for c, w0 in enumerate([0.8, 1.0]):
                w = np.full(d, w0)
                for t in range(30):
                    p = np.prod(w)
                    assert losses[a, b, c, t] == pytest.approx(0.5 * np.mean((y - p * x) ** 2), rel=1e-10)
                    g = -np.mean((y - p * x) * x) * np.array([np.prod(np.delete(w, i)) for i in range(d)])
                    w = w - lr * g


def test_padding_weights_never_move_and_equal_weights_stay_equal():
    x, y = lnn.make_data(**DATA)
    W = np.array([[0.9, 0.9, 0.9, 1.0, 1.0]])
    mask = np.array([[1.0, 1.0, 1.0, 0.0, 0.0]])
    for _ in range(20):
        _, g = lnn.loss_and_grad(W, mask, x, y)
        W = W - 0.05 * g
    assert W[0, 3] == W[0, 4] == 1.0
    assert np.ptp(W[0, :3]) == 0.0


def test_learning_time_needs_the_loss_to_stay_below():
    losses = np.array([[1.0, 0.005, 0.02, 0.005, 0.004], [1.0, 0.5, 0.2, 0.1, 0.05], [1.0, 0.001, np.nan, np.nan, np.nan]])
    np.testing.assert_array_equal(lnn.learning_time(losses, 1e-2), [3, -1, -1])


def test_divergence_is_marked_nan_not_inf():
    x, y = lnn.make_data(**DATA)
    losses = lnn.train_grid([10], [5.0], [1.2], 50, x, y)
    assert np.isnan(losses[0, 0, 0, -1]) and np.isfinite(losses[0, 0, 0, 0])


def test_run_results_and_best_rate():
    [(i, r)] = list(lnn.run([config(epochs=300, curves="best_lr")], progress=False))
    assert i == 0
    assert np.array(r["learning_time"]).shape == (2, 2, 1)
    assert np.array(r["curves"]).shape == (2, 1, 300)
    # the larger rate converges sooner for these shallow nets
    assert r["best_lr"][0][0] == 0.05
    assert 0 < r["noise_floor"] < 0.01


@pytest.mark.parametrize("bad, message", [
    ({"depths": [0]}, "depths"),
    ({"lrs": []}, "lrs"),
    ({"epochs": 0}, "epochs"),
    ({"curves": "some"}, "curves"),
    ({"data": {"n": 10}}, "data"),
    ({"extra": 1}, "unknown keys"),
])
def test_config_errors(bad, message):
    with pytest.raises(ConfigError, match=message):
        list(lnn.run([config(**bad)], progress=False))
