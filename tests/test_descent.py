"""The vectorised optimizers against hand arithmetic, a scalar reference, and each other."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hw7.problem1 import descent
from hw7.problem1 import rosenbrock as R
from hw7.problem1.optimizers import OPTIMIZERS

INIT = (-4.0, -2.0)
# Gradient at (-4, -2): r = y - x^2 = -18; df/dx = -2(1 - x) - 400 x r = -10 - 28800; df/dy = 200 r.
G0 = (-28810.0, -3600.0)


def _reference(kind: str, lr: float, steps: int, **hyper: float) -> np.ndarray:
    """A plain scalar loop with the homework's update rules (the behaviour to reproduce).

    No divergence handling: the raw trajectory, overflow and all.
    """
    gamma = hyper.get("gamma", 0.9)
    beta = hyper.get("beta", 0.99)
    eps = hyper.get("eps", 1e-8)
    p = np.array(INIT)
    traj = np.zeros((steps + 1, 2))
    traj[0] = p
    v = 0.0
    sq = 0.0
    with np.errstate(all="ignore"):
        for j in range(steps):
            g = np.array(R.gradient(p[0], p[1]))
            if kind == "gd":
                p = p - lr * g
            elif kind == "momentum":
                v = gamma * v + g
                p = p - lr * v
            else:
                v = gamma * v + (1 - gamma) * g
                sq = beta * sq + (1 - beta) * g * g
                vh = v / (1 - gamma ** (j + 1))
                sqh = sq / (1 - beta ** (j + 1))
                p = p - lr * np.divide(vh, np.sqrt(sqh + eps))
            traj[j + 1] = p
    return traj


# ---------------------------------------------------------------------------------------------
# First two steps by hand, from (-4, -2).


def test_gd_two_steps_by_hand() -> None:
    lr = 1e-4
    # step 1: theta - lr * G0 = (-4 + 2.881, -2 + 0.36)
    x1, y1 = -1.119, -1.64
    # gradient at (-1.119, -1.64): x^2 = 1.252161, r = -2.892161
    #   df/dx = -2 * 2.119 - 400 * (-1.119) * (-2.892161) = -4.238 - 1294.5312636 = -1298.7692636
    #   df/dy = 200 * (-2.892161) = -578.4322
    x2, y2 = x1 + 1e-4 * 1298.7692636, y1 + 1e-4 * 578.4322  # (-0.98912307364, -1.58215678)
    tr = descent.gd(R.gradient, INIT, lr, 2)
    np.testing.assert_allclose(tr.xy[:, 0], [[-4, -2], [x1, y1], [x2, y2]], rtol=1e-12)
    assert tr.xy.shape == (3, 1, 2) and tr.xy.dtype == np.float64


def test_momentum_two_steps_by_hand() -> None:
    lr = 1e-4
    # step 1: v1 = G0, theta1 = theta0 - lr v1 = (-1.119, -1.64) as for gd
    # step 2: g1 = (-1298.7692636, -578.4322) (see the gd test)
    #   v2 = 0.9 v1 + g1 = (-25929 - 1298.7692636, -3240 - 578.4322) = (-27227.7692636, -3818.4322)
    #   theta2 = theta1 - lr v2 = (-1.119 + 2.72277692636, -1.64 + 0.38184322)
    tr = descent.momentum(R.gradient, INIT, lr, 2)
    np.testing.assert_allclose(tr.xy[:, 0], [[-4, -2], [-1.119, -1.64], [1.60377692636, -1.25815678]], rtol=1e-12)


def test_adam_two_steps_by_hand() -> None:
    lr = 1e-2
    g0 = np.array(G0)
    # step 1: m1 = 0.1 g0, s1 = 0.01 g0^2; bias-corrected m_hat = g0, s_hat = g0^2, so the step is
    #   lr * g0 / sqrt(g0^2 + 1e-8) = lr * sign(g0) (the 1e-8 is below g0^2's resolution)
    x1, y1 = -4.0 + lr, -2.0 + lr  # (-3.99, -1.99)
    # gradient at (-3.99, -1.99): x^2 = 15.9201, r = -17.9101
    #   df/dx = -2 * 4.99 - 400 * (-3.99) * (-17.9101) = -9.98 - 28584.5196 = -28594.4996
    #   df/dy = 200 * (-17.9101) = -3582.02
    g1 = np.array([-28594.4996, -3582.02])
    # step 2: m2 = 0.9 * 0.1 g0 + 0.1 g1, corrected by 1 - 0.9^2 = 0.19
    #         s2 = 0.99 * 0.01 g0^2 + 0.01 g1^2, corrected by 1 - 0.99^2 = 0.0199
    m_hat = (0.09 * g0 + 0.1 * g1) / 0.19
    s_hat = (0.0099 * g0**2 + 0.01 * g1**2) / 0.0199
    x2, y2 = np.array([x1, y1]) - lr * m_hat / np.sqrt(s_hat + 1e-8)
    tr = descent.adam(R.gradient, INIT, lr, 2)
    np.testing.assert_allclose(tr.xy[:, 0], [[-4, -2], [x1, y1], [x2, y2]], rtol=1e-12)
    # Both steps move each coordinate by about lr (Adam's normalised step); not by lr * |g|.
    assert 0.009 < x2 - x1 < 0.011 and 0.009 < y2 - y1 < 0.011


# ---------------------------------------------------------------------------------------------
# Agreement with the scalar reference loop, and vectorised == separate runs.


@pytest.mark.parametrize(
    "kind, lr",
    [("gd", 1e-4), ("gd", 3e-4), ("momentum", 1e-4), ("momentum", 1e-5), ("adam", 1e-4), ("adam", 1e-2)],
)
def test_matches_homework_update_rules_exactly(kind: str, lr: float) -> None:
    steps = 2500
    tr = OPTIMIZERS[kind].rule(R.gradient, INIT, lr, steps)
    ref = _reference(kind, lr, steps)
    if tr.diverged_step[0] < 0:
        np.testing.assert_array_equal(tr.xy[:, 0], ref)
    else:  # gd at 3e-4 diverges: equal up to divergence, NaN after
        d = tr.diverged_step[0]
        np.testing.assert_array_equal(tr.xy[: d + 1, 0], ref[: d + 1])
        assert np.isnan(tr.xy[d + 1 :, 0]).all()


@pytest.mark.parametrize("kind", list(OPTIMIZERS))
def test_vectorised_equals_separate_scalar_runs(kind: str) -> None:
    lrs = np.array([1e-5, 1e-4, 1.5e-4, 2e-4, 1e-3, 1e-2])  # includes runs that diverge
    steps = 2300  # more than two divergence-check chunks
    vec = OPTIMIZERS[kind].rule(R.gradient, INIT, lrs, steps)
    assert vec.xy.shape == (steps + 1, lrs.size, 2)
    assert vec.diverged_step.shape == (lrs.size,)
    for k, lr in enumerate(lrs):
        one = OPTIMIZERS[kind].rule(R.gradient, INIT, float(lr), steps)
        np.testing.assert_array_equal(vec.xy[:, k], one.xy[:, 0])
        assert vec.diverged_step[k] == one.diverged_step[0]
        np.testing.assert_array_equal(vec.final[k], one.final[0])


@pytest.mark.parametrize("kind", list(OPTIMIZERS))
def test_final_only_gives_the_same_final_iterate(kind: str) -> None:
    lrs = [1e-4, 1e-3, 3e-2]
    full = OPTIMIZERS[kind].rule(R.gradient, INIT, lrs, 1500)
    light = OPTIMIZERS[kind].rule(R.gradient, INIT, lrs, 1500, final_only=True)
    assert light.xy is None
    np.testing.assert_array_equal(light.final, full.xy[-1])
    np.testing.assert_array_equal(light.final, full.final)
    np.testing.assert_array_equal(light.diverged_step, full.diverged_step)


# ---------------------------------------------------------------------------------------------
# Divergence.


def _first_bad(raw: np.ndarray) -> int:
    bad = ~(np.abs(raw) <= descent.DIVERGENCE_LIMIT).all(axis=1)
    return int(np.argmax(bad)) if bad.any() else -1


def test_gd_at_lr_0_1_diverges_and_is_frozen(recwarn: pytest.WarningsRecorder) -> None:
    steps = 50
    tr = descent.gd(R.gradient, INIT, 1e-1, steps)
    ref = _reference("gd", 1e-1, steps)
    d = int(tr.diverged_step[0])
    # step 1 jumps to (-4 + 2881, -2 + 360); step 2 lands far beyond 1e6 (x ~ -9.5e11)
    assert d == _first_bad(ref) == 2
    np.testing.assert_array_equal(tr.xy[: d + 1, 0], ref[: d + 1])  # diverging iterate kept as computed
    assert np.isnan(tr.xy[d + 1 :, 0]).all()
    assert np.isnan(tr.final).all()
    assert len(recwarn) == 0  # overflow is silenced


def test_momentum_at_lr_1e_3_diverges_at_step_3() -> None:
    # What the homework's part (c) sees: momentum blows up at once (x: -4 -> 24.8 -> -6042 -> 8.8e10),
    # Adam does not.
    tr = descent.momentum(R.gradient, INIT, 1e-3, 200)
    assert tr.diverged_step[0] == _first_bad(_reference("momentum", 1e-3, 200)) == 3
    assert descent.adam(R.gradient, INIT, 1e-3, 200).diverged_step[0] == -1


def test_late_divergence_across_chunks_is_located_exactly() -> None:
    # Gradient ascent on -(x^2 + y^2)/2: x_t = (1 + lr)^t, leaves 1e6 at a step past one chunk.
    def grow(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return -x, -y

    lrs = [0.01, 0.001]
    steps = 3000
    tr = descent.gd(grow, (1.0, 1.0), lrs, steps)
    x, expected = 1.0, -1
    for t in range(1, steps + 1):
        x = x - 0.01 * (-x)
        if abs(x) > 1e6:
            expected = t
            break
    assert expected == math.ceil(math.log(1e6) / math.log(1.01)) > descent.CHUNK
    assert tr.diverged_step.tolist() == [expected, -1]
    assert abs(tr.xy[expected, 0, 0]) > 1e6 and np.isfinite(tr.xy[expected, 0]).all()
    assert abs(tr.xy[expected - 1, 0, 0]) <= 1e6
    assert np.isnan(tr.xy[expected + 1 :, 0]).all()
    assert np.isfinite(tr.xy[:, 1]).all()  # the other run carries on


def test_callback_reports_progress_to_the_end() -> None:
    seen: list[int] = []
    descent.gd(R.gradient, INIT, [1e-4, 1e-1], 2500, callback=seen.append)
    assert seen == [1000, 2000, 2500]
    seen.clear()
    descent.gd(R.gradient, INIT, 1e-1, 2500, callback=seen.append)  # all diverged: stops early
    assert seen[-1] == 2500


# ---------------------------------------------------------------------------------------------
# Adam's eps placement.


def test_adam_eps_inside_vs_standard() -> None:
    # A constant gradient g = 1e-5 (f linear): every step is lr * g / sqrt(g^2 + eps) with eps
    # inside the root (= lr / sqrt(1.01) / 10 ~ 0.0995 lr), but lr * g / (|g| + eps) ~ 0.999 lr
    # for standard Adam.
    def flat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.full_like(x, 1e-5), np.full_like(y, 1e-5)

    lr = 1.0
    inside = descent.adam(flat, (0.0, 0.0), lr, 10)
    standard = descent.adam(flat, (0.0, 0.0), lr, 10, eps_inside=False)
    np.testing.assert_allclose(inside.final[0], -10 * 1e-5 / math.sqrt(1e-10 + 1e-8), rtol=1e-9)
    np.testing.assert_allclose(standard.final[0], -10 * 1e-5 / (1e-5 + 1e-8), rtol=1e-9)
    # On Rosenbrock the two variants part ways once gradients get small near the minimum.
    a = descent.adam(R.gradient, INIT, 1e-3, 3000)
    b = descent.adam(R.gradient, INIT, 1e-3, 3000, eps_inside=False)
    assert not np.array_equal(a.xy, b.xy)


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        descent.gd(R.gradient, INIT, [], 10)
    with pytest.raises(ValueError):
        descent.gd(R.gradient, INIT, [[1e-4]], 10)
    with pytest.raises(ValueError):
        descent.gd(R.gradient, INIT, 1e-4, -1)
    tr = descent.gd(R.gradient, INIT, 1e-4, 0)
    assert tr.xy.shape == (1, 1, 2) and tr.diverged_step.tolist() == [-1]
