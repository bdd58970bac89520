"""Problem 1 runners: config validation, thinning, result shape, agreement with the optimizers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hw7.errors import ConfigError
from hw7.problem1 import descent
from hw7.problem1 import rosenbrock as R
from hw7.problem1 import runner as p1_runner

INIT = [-4.0, -2.0]


def _cfg(**over: object) -> dict:
    cfg = {"optimizer": "adam", "lr": 1e-3, "steps": 50, "init": INIT}
    cfg.update(over)
    return cfg


def _sweep(**over: object) -> dict:
    cfg = {"optimizer": "momentum", "lrs": [1e-5, 1e-4, 1e-3], "steps": 50, "init": INIT}
    cfg.update(over)
    return cfg


# ---------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize(
    "bad",
    [
        _cfg(optimizer="sgd"),
        _cfg(lr=0.0),
        _cfg(lr=-1e-3),
        _cfg(lr=float("nan")),
        _cfg(lr=True),
        _cfg(lr="1e-3"),
        _cfg(steps=0),
        _cfg(steps=1e5),
        _cfg(steps=True),
        _cfg(steps=10**9),
        _cfg(init=[1.0]),
        _cfg(init=(-4.0, -2.0)),
        _cfg(init=[-4.0, float("inf")]),
        _cfg(lrate=1e-3),
        _cfg(optimizer="gd", gamma=0.9),  # gd has no hyper-parameters
        _cfg(optimizer="momentum", beta=0.9),  # momentum has only gamma
        _cfg(gamma=1.0),
        _cfg(beta=-0.1),
        _cfg(eps=-1e-8),
        _cfg(eps_inside=1),
        {k: v for k, v in _cfg().items() if k != "steps"},
        [("optimizer", "adam")],
    ],
)
def test_trajectory_config_errors(bad: object) -> None:
    with pytest.raises(ConfigError):
        next(p1_runner.run_trajectory([bad], progress=False))


@pytest.mark.parametrize(
    "bad",
    [_sweep(lrs=[]), _sweep(lrs=1e-3), _sweep(lrs=[1e-3, -1.0]), _sweep(lr=1e-3), _sweep(optimizer=None)],
)
def test_sweep_config_errors(bad: dict) -> None:
    with pytest.raises(ConfigError):
        next(p1_runner.run_sweep([bad], progress=False))


def test_every_config_is_checked_before_any_is_computed() -> None:
    calls: list[int] = []
    runner = p1_runner.run_trajectory([_cfg(), _cfg(lr=-1.0)], progress=False)
    with pytest.raises(ConfigError, match="#1"):
        for i, _ in runner:
            calls.append(i)
    assert calls == []


def test_error_message_names_key_and_allowed_keys() -> None:
    with pytest.raises(ConfigError, match="lrate.*allowed"):
        next(p1_runner.run_trajectory([_cfg(lrate=1)], progress=False))


def test_hyper_parameters_are_passed_through() -> None:
    (_, a), = p1_runner.run_trajectory([_cfg(steps=300, beta=0.999, eps_inside=False)], progress=False)
    ref = descent.adam(R.gradient, INIT, 1e-3, 300, beta=0.999, eps_inside=False)
    assert a["final"] == ref.final[0].tolist()
    (_, m), = p1_runner.run_trajectory([_cfg(optimizer="momentum", lr=1e-4, gamma=0.5)], progress=False)
    assert m["final"] == descent.momentum(R.gradient, INIT, 1e-4, 50, gamma=0.5).final[0].tolist()


# ---------------------------------------------------------------------------------------------
# Thinning


def test_thin_steps_for_a_full_run() -> None:
    idx = p1_runner.thin_steps(100_000)
    assert idx[0] == 0 and idx[-1] == 100_000
    assert np.all(np.diff(idx) > 0)
    assert 1_300 <= idx.size <= 1_600
    assert {1, 2, 3, 10, 100, 1000, 50_000}.issubset(set(idx.tolist()))  # log grid covers early steps


def test_thin_steps_keeps_the_divergence_point() -> None:
    assert p1_runner.thin_steps(100_000, diverged_step=3).tolist() == [0, 1, 2, 3]
    idx = p1_runner.thin_steps(100_000, diverged_step=54_321)
    assert idx[-1] == 54_321 and 54_320 in idx and idx[0] == 0
    finite = np.ones(100_001, bool)
    finite[54_321:] = False  # the diverging iterate itself overflowed: stop one before it
    idx = p1_runner.thin_steps(100_000, diverged_step=54_321, finite=finite)
    assert idx[-1] == 54_320


def test_thin_steps_short_run_keeps_everything() -> None:
    assert p1_runner.thin_steps(5).tolist() == [0, 1, 2, 3, 4, 5]


def test_trajectory_result_never_stores_nan() -> None:
    xy = np.array([[-4.0, -2.0], [1.0, 2.0], [30.0, 40.0], [np.inf, np.nan], [np.nan, np.nan]])
    r = p1_runner.trajectory_result(xy, diverged_step=3)
    assert r["steps"] == [0, 1, 2]
    assert r["xy"] == [[-4.0, -2.0], [1.0, 2.0], [30.0, 40.0]]
    assert math.isnan(r["final_dist"]) and math.isnan(r["final_f"]) and r["diverged_step"] == 3


# ---------------------------------------------------------------------------------------------
# Results


def test_trajectory_result_contents() -> None:
    configs = [_cfg(optimizer="gd", lr=1e-4, steps=3000), _cfg(optimizer="momentum", lr=1e-3, steps=3000)]
    results = dict(p1_runner.run_trajectory(configs, progress=False))
    assert sorted(results) == [0, 1]
    keys = {"final", "final_dist", "final_f", "diverged_step", "steps", "xy", "dist", "f",
            "first_step_below", "tail_dist_min", "tail_dist_max", "tail_dist_median", "tail_step_median",
            "tail_step_max", "step_len", "hess_eig_max"}

    gd = results[0]
    assert set(gd) == keys
    ref = descent.gd(R.gradient, INIT, 1e-4, 3000).xy[:, 0]
    assert gd["diverged_step"] == -1
    assert gd["steps"][0] == 0 and gd["steps"][-1] == 3000
    assert len(gd["steps"]) == len(gd["xy"]) == len(gd["dist"]) == len(gd["f"]) < 3001
    np.testing.assert_array_equal(np.array(gd["xy"]), ref[gd["steps"]])
    assert gd["final"] == ref[-1].tolist()
    assert gd["final_dist"] == pytest.approx(math.hypot(ref[-1, 0] - 1, ref[-1, 1] - 1), rel=1e-15)
    assert gd["final_f"] == pytest.approx(float(R.value(*ref[-1])), rel=1e-15)
    assert gd["dist"][-1] == gd["final_dist"]

    mom = results[1]
    assert mom["diverged_step"] == 3
    assert mom["steps"] == [0, 1, 2, 3]
    assert np.isfinite(np.array(mom["xy"])).all()
    assert math.isnan(mom["final_dist"])

    text = json.dumps(results)  # JSON-able: plain lists of Python numbers
    assert json.loads(text)["0"]["steps"][-1] == 3000


def test_sweep_matches_separate_trajectories() -> None:
    lrs = [1e-5, 1e-4, 2e-4, 1e-3]
    (_, r), = p1_runner.run_sweep([_sweep(lrs=lrs, steps=1200)], progress=False)
    assert set(r) == {"lrs", "final_dist", "diverged_step", "final_f"}
    assert r["lrs"] == lrs
    for k, lr in enumerate(lrs):
        (_, one), = p1_runner.run_trajectory([_cfg(optimizer="momentum", lr=lr, steps=1200)], progress=False)
        assert r["diverged_step"][k] == one["diverged_step"]
        np.testing.assert_array_equal(r["final_dist"][k], one["final_dist"])  # NaN == NaN here
        np.testing.assert_array_equal(r["final_f"][k], one["final_f"])
    assert r["diverged_step"][-1] == 3 and math.isnan(r["final_dist"][-1])
    json.dumps(r)


def test_progress_bar_runs(capsys: pytest.CaptureFixture[str]) -> None:
    list(p1_runner.run_trajectory([_cfg(steps=2000)], progress=True))
    list(p1_runner.run_sweep([_sweep(steps=2000)], progress=True))
    assert "step" in capsys.readouterr().err


def test_first_step_below_and_tail_range_use_the_full_trajectory():
    """A hand-made path: distances 3, 2, 0.05, 0.005, 0.5 (steps 0..4) to the minimum (1, 1)."""
    xy = np.array([[4.0, 1.0], [3.0, 1.0], [1.05, 1.0], [1.005, 1.0], [1.5, 1.0]])
    r = p1_runner.trajectory_result(xy, diverged_step=-1)
    assert r["first_step_below"] == {"1e-1": 2, "1e-2": 3, "1e-4": -1, "1e-6": -1}
    assert r["tail_dist_min"] == pytest.approx(0.5) and r["tail_dist_max"] == pytest.approx(0.5)
    assert r["tail_dist_median"] == pytest.approx(0.5)
    # the one step landing in the last 10 % goes from (1.005, 1) to (1.5, 1)
    assert r["tail_step_median"] == pytest.approx(0.495) and r["tail_step_max"] == pytest.approx(0.495)
    assert r["step_len"] == pytest.approx([0.0, 1.0, 1.95, 0.045, 0.495])
    np.testing.assert_allclose(r["hess_eig_max"], R.hessian_eigenvalues(xy[:, 0], xy[:, 1])[1])


def test_tail_median_uses_every_step_not_the_thinned_ones():
    """3,000 steps, of which the cache keeps a few hundred: the stored median is the full tail's."""
    t = np.arange(3001)
    xy = np.stack([1.0 + 1.0 / (1.0 + t) + 0.01 * (t % 7), np.ones(3001)], axis=1)
    r = p1_runner.trajectory_result(xy, diverged_step=-1)
    full = np.hypot(xy[-300:, 0] - 1, xy[-300:, 1] - 1)
    assert len(r["steps"]) < 3001
    assert r["tail_dist_median"] == float(np.median(full))


def test_adam_result_stores_its_second_moment_per_coordinate():
    """The stored s_hat is the plain loop's bias-corrected second moment, per coordinate."""
    steps, lr, beta = 400, 1e-3, 0.99
    (_, r), = p1_runner.run_trajectory([_cfg(optimizer="adam", lr=lr, steps=steps)], progress=False)
    theta, s, s_hats = np.array(INIT, dtype=float), np.zeros(2), []
    m = np.zeros(2)
    for t in range(1, steps + 1):
        g = np.array(R.gradient(theta[0], theta[1]), dtype=float)
        m = 0.9 * m + 0.1 * g
        s = beta * s + (1 - beta) * g * g
        s_hat = s / (1 - beta**t)
        s_hats.append(s_hat)
        theta = theta - lr * (m / (1 - 0.9**t)) / np.sqrt(s_hat + 1e-8)
    np.testing.assert_allclose(r["s_hat_final"], s_hats[-1], rtol=1e-9)
    np.testing.assert_allclose(r["s_hat_tail_median"], np.median(s_hats[-40:], axis=0), rtol=1e-9)
    (_, gd), = p1_runner.run_trajectory([_cfg(optimizer="gd", lr=lr, steps=steps)], progress=False)
    assert "s_hat_final" not in gd
