"""The Rosenbrock function, its analytic gradient, and the homework's misprinted formula."""

from __future__ import annotations

import numpy as np
import pytest

from hw7.problem1 import rosenbrock as R


def test_minimum_is_zero_with_zero_gradient() -> None:
    x, y = R.MINIMUM
    assert R.value(x, y) == 0.0
    gx, gy = R.gradient(x, y)
    assert gx == 0.0 and gy == 0.0


def test_known_values() -> None:
    # f(0, 0) = 1;  f(-4, -2) = 5^2 + 100 (-2 - 16)^2 = 25 + 32400
    assert R.value(0.0, 0.0) == 1.0
    assert R.value(-4.0, -2.0) == 32425.0
    # grad at (-4, -2): (-2*5 - 400*(-4)*(-18), 200*(-18))
    gx, gy = R.gradient(-4.0, -2.0)
    assert (gx, gy) == (-28810.0, -3600.0)


def test_nonnegative_and_positive_away_from_minimum() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-5, 5, size=(2, 10_000))
    f = R.value(x, y)
    assert np.all(f > 0)


def test_gradient_matches_centred_finite_differences() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-5, 5, size=(2, 500))
    gx, gy = R.gradient(x, y)
    hx = 1e-6 * np.maximum(1.0, np.abs(x))
    hy = 1e-6 * np.maximum(1.0, np.abs(y))
    fdx = (R.value(x + hx, y) - R.value(x - hx, y)) / (2 * hx)
    fdy = (R.value(x, y + hy) - R.value(x, y - hy)) / (2 * hy)
    scale_x = np.abs(gx) + 1.0
    scale_y = np.abs(gy) + 1.0
    assert np.max(np.abs(fdx - gx) / scale_x) < 1e-5
    assert np.max(np.abs(fdy - gy) / scale_y) < 1e-5


def test_gradient_sign_error_would_be_caught() -> None:
    """The finite-difference check is sharp enough to see a wrong coefficient (the test can fail)."""
    x, y = 0.7, -0.3
    h = 1e-6
    fdx = (R.value(x + h, y) - R.value(x - h, y)) / (2 * h)
    wrong = -2 * (1 - x) - 200 * x * (y - x * x)  # 200 instead of 400
    assert abs(fdx - wrong) > 1e-2 * (abs(fdx) + 1)
    assert abs(fdx - R.gradient(x, y)[0]) < 1e-6 * (abs(fdx) + 1)


def test_broadcasting_over_a_grid() -> None:
    xs = np.linspace(-2, 2, 7)[:, None]
    ys = np.linspace(-1, 3, 5)[None, :]
    f = R.value(xs, ys)
    gx, gy = R.gradient(xs, ys)
    assert f.shape == gx.shape == gy.shape == (7, 5)
    assert f[3, 2] == R.value(0.0, 1.0) == 1.0 + 100.0


@pytest.mark.parametrize("x", [1e1, 1e2, 1e3, 1e5])
def test_literal_homework_formula_is_unbounded_below(x: float) -> None:
    # On the valley floor y = x^2 the printed formula is 1 - x^2 -> -inf,
    # while Rosenbrock there is (1 - x)^2 >= 0.
    assert R.literal_homework_value(x, x * x) == pytest.approx(1.0 - x * x)
    assert R.literal_homework_value(x, x * x) < R.literal_homework_value(1.0, 1.0) - 1.0
    assert R.value(x, x * x) == pytest.approx((1.0 - x) ** 2)


def test_literal_formula_at_the_claimed_minimum_is_not_minimal() -> None:
    assert R.literal_homework_value(1.0, 1.0) == 0.0
    assert R.literal_homework_value(2.0, 4.0) == -3.0


def test_hessian_at_the_start_and_at_the_minimum() -> None:
    # f_xx = 2 - 400 (y - x^2) + 800 x^2: at (-4, -2) 2 + 7200 + 12800; f_xy = -400 x; f_yy = 200
    assert [float(v) for v in R.hessian(-4.0, -2.0)] == [20002.0, 1600.0, 200.0]
    assert [float(v) for v in R.hessian(1.0, 1.0)] == [802.0, -400.0, 200.0]
    lo, hi = R.hessian_eigenvalues(1.0, 1.0)
    np.testing.assert_allclose(sorted(np.linalg.eigvalsh([[802.0, -400.0], [-400.0, 200.0]])), [lo, hi])


def test_hessian_matches_finite_differences_of_the_gradient() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-5, 5, size=(2, 200))
    h = 1e-5
    fxx, fxy, fyy = R.hessian(x, y)
    np.testing.assert_allclose(fxx, (R.gradient(x + h, y)[0] - R.gradient(x - h, y)[0]) / (2 * h), rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(fxy, (R.gradient(x, y + h)[0] - R.gradient(x, y - h)[0]) / (2 * h), rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(fyy, (R.gradient(x, y + h)[1] - R.gradient(x, y - h)[1]) / (2 * h), rtol=1e-6, atol=1e-4)
    lo, hi = R.hessian_eigenvalues(x, y)
    mats = np.stack([np.stack([fxx, fxy], -1), np.stack([fxy, fyy], -1)], -2)
    np.testing.assert_allclose(np.stack([lo, hi], -1), np.linalg.eigvalsh(mats), rtol=1e-9, atol=1e-6)
