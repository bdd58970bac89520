"""The Rosenbrock function of Problem 1, its gradient, and the homework's literal (misprinted) formula.

The homework prints f(x, y) = (1 - x^2) + 100 (y - x^2)^2 but says the global minimum is at (1, 1).
That printed formula is unbounded below (along the valley floor y = x^2 it equals 1 - x^2 -> -inf),
so it has no global minimum; the intended function is Rosenbrock's,
f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, whose unique minimum f(1, 1) = 0 matches the text.
Everything that optimizes uses :func:`value` / :func:`gradient`; :func:`literal_homework_value`
exists only so the report can show why the printed formula cannot be meant.

All functions broadcast over numpy arrays (a whole contour grid, or K parallel optimizer runs).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: The global minimizer of :func:`value` (where f = 0 and the gradient vanishes).
MINIMUM: tuple[float, float] = (1.0, 1.0)

#: Rosenbrock's coefficients: f = (A - x)^2 + B (y - x^2)^2.
A: float = 1.0
B: float = 100.0


def value(x: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """Rosenbrock's f = (1 - x)^2 + 100 (y - x^2)^2, elementwise with broadcasting."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    r = y - x * x
    return (A - x) ** 2 + B * r * r


def gradient(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(df/dx, df/dy) = (-2(1 - x) - 400 x (y - x^2), 200 (y - x^2)), broadcast.

    Written as few ufunc calls as possible: the optimizers call it 10^5 times on tiny arrays,
    where the per-call overhead (not the arithmetic) is the cost.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    r = y - x * x
    gx = -2.0 * (A - x) - (4.0 * B) * x * r
    gy = (2.0 * B) * r
    return gx, gy  # both have the broadcast shape: each contains r


def literal_homework_value(x: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """The formula exactly as the homework prints it, (1 - x^2) + 100 (y - x^2)^2.

    Kept to show that it is unbounded below: on y = x^2 it is 1 - x^2, which tends to -inf.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    r = y - x * x
    return (1.0 - x * x) + B * r * r


def hessian(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The second derivatives (f_xx, f_xy, f_yy) = (2 - 400 (y - x^2) + 800 x^2, -400 x, 200), broadcast.

    Problem 1 needs them to say *why* a rate diverges: gradient descent on a quadratic is stable only
    while lr * (largest Hessian eigenvalue) < 2, and that eigenvalue grows like 1200 x^2 up the
    valley's walls, so where a step lands decides whether the next one overshoots.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    fxx = 2.0 * A - 4.0 * B * (y - x * x) + 8.0 * B * x * x
    fxy = -4.0 * B * x
    fyy = np.full(np.broadcast(x, y).shape, 2.0 * B)
    return fxx, fxy, fyy


def hessian_eigenvalues(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(smallest, largest) eigenvalue of the 2 x 2 Hessian at (x, y), in closed form, broadcast."""
    fxx, fxy, fyy = hessian(x, y)
    mid = 0.5 * (fxx + fyy)
    radius = np.hypot(0.5 * (fxx - fyy), fxy)
    return mid - radius, mid + radius
