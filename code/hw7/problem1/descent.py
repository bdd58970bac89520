"""The homework's three optimizers (gd, gd_with_mom, adams), reproduced in behaviour and vectorised.

Each function runs K independent copies of one optimizer from the same starting point, one per
learning rate, in lock-step: the state is a (2, K) array, so a learning-rate sweep costs about as
much Python overhead as a single run (10^5 steps are a Python loop; numpy's per-call overhead,
not the arithmetic, dominates). Every operation is elementwise and in the homework's order, so run
k of a vectorised call is bit-for-bit the run a scalar call with ``lrs[k]`` gives, and both match
the homework's code.

Divergence. A run *diverges* at the first step whose iterate is non-finite or has a coordinate
larger than :data:`DIVERGENCE_LIMIT` in absolute value. That iterate is kept as computed (it may be
huge, inf or NaN); every later iterate of that run is NaN (the run is frozen: its state is set to
NaN, which propagates). Overflow along the way is expected and silenced (``np.errstate``).
Divergence is checked once per chunk of steps (cheaper than per step) and then located exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Optional

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Gradient: arrays x, y of shape (K,) -> (df/dx, df/dy), each of shape (K,) (or a (2, K) array).
Gradient = Callable[[NDArray[np.float64], NDArray[np.float64]], object]
#: Progress callback, called with the number of steps done so far after each chunk.
Callback = Callable[[int], None]
#: One in-place update: (theta (2, K), gradient (2, K), 1-based step number t).
_Step = Callable[[NDArray[np.float64], NDArray[np.float64], int], None]

#: A run whose iterate leaves [-DIVERGENCE_LIMIT, DIVERGENCE_LIMIT]^2 counts as diverged.
DIVERGENCE_LIMIT: float = 1e6
#: Steps between divergence checks / progress callbacks.
CHUNK: int = 1000


@dataclass(frozen=True)
class Trajectory:
    """The result of K parallel runs.

    ``xy[t, k]`` is run k's iterate after t steps (``xy[0]`` is the start); ``None`` when the run was
    made with ``final_only=True``. ``final[k]`` equals ``xy[-1, k]`` (NaN for a diverged run).
    ``diverged_step[k]`` is the first step t >= 1 whose iterate is non-finite or beyond the
    divergence limit, or -1 if run k never diverged. ``s_hat[t - 1, :, k]`` is Adam's bias-corrected
    second moment per coordinate after step t (Adam runs kept whole; ``None`` otherwise): what the
    step divides by, recorded so that its size next to eps is measured, not guessed.
    """

    lrs: NDArray[np.float64]
    final: NDArray[np.float64]
    diverged_step: NDArray[np.int64]
    xy: Optional[NDArray[np.float64]] = None
    s_hat: Optional[NDArray[np.float64]] = None

    @property
    def steps(self) -> Optional[int]:
        return None if self.xy is None else self.xy.shape[0] - 1


def _as_lrs(lrs: ArrayLike) -> NDArray[np.float64]:
    arr = np.atleast_1d(np.asarray(lrs, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"lrs must be a scalar or a non-empty 1-D array, got shape {np.shape(lrs)}")
    return arr.copy()


def _check_steps(steps: object) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    return int(steps)


def _start(init: ArrayLike, k: int) -> NDArray[np.float64]:
    """The (2, K) state of K runs, each at ``init``."""
    x0, y0 = np.asarray(init, dtype=np.float64).reshape(2)
    theta = np.empty((2, k))
    theta[0], theta[1] = x0, y0
    return theta


def _advance(grad: Gradient, update: _Step, theta: NDArray[np.float64], out: NDArray[np.float64], done: int) -> None:
    """Steps ``done + 1 ... done + len(out)`` of every run; ``out[i]`` is the (K, 2) iterate after each."""
    x, y = theta[0], theta[1]  # views: updated in place with theta
    for i in range(out.shape[0]):
        g = np.asarray(grad(x, y), dtype=np.float64)
        update(theta, g, done + i + 1)
        out[i] = theta.T


def _freeze_diverged(out: NDArray[np.float64], done: int, diverged: NDArray[np.int64],
                     frozen: list[NDArray[np.float64]]) -> None:
    """Find the live runs that left the box (or became NaN/inf) within the chunk ``out`` (steps after ``done``):
    record their first such step in ``diverged``, NaN their later iterates and their state (``frozen``)."""
    bad = ~(np.abs(out) <= DIVERGENCE_LIMIT).all(axis=2)  # (n, K); NaN compares False
    bad &= diverged < 0
    newly = np.flatnonzero(bad.any(axis=0))
    for j in newly:
        first = int(np.argmax(bad[:, j]))
        diverged[j] = done + 1 + first
        out[first + 1 :, j] = np.nan
    if newly.size:
        for s in frozen:
            s[:, newly] = np.nan


def _integrate(
    grad: Gradient,
    init: ArrayLike,
    lrs: NDArray[np.float64],
    steps: int,
    update: _Step,
    states: list[NDArray[np.float64]],
    *,
    final_only: bool,
    callback: Optional[Callback],
) -> Trajectory:
    """Shared driver: step all K runs ``steps`` times, record, detect and freeze divergence."""
    steps = _check_steps(steps)
    k = lrs.size
    theta = _start(init, k)
    xy: Optional[NDArray[np.float64]] = None
    if final_only:
        buf = np.empty((min(CHUNK, max(steps, 1)), k, 2))
    else:
        xy = np.empty((steps + 1, k, 2))
        xy[0] = theta.T
    diverged = np.full(k, -1, dtype=np.int64)
    done = 0
    with np.errstate(all="ignore"):
        while done < steps:
            n = min(CHUNK, steps - done)
            out = buf[:n] if xy is None else xy[done + 1 : done + 1 + n]
            _advance(grad, update, theta, out, done)
            _freeze_diverged(out, done, diverged, [theta, *states])
            done += n
            if (diverged >= 0).all():  # nothing left to compute: every later iterate is NaN
                if xy is not None:
                    xy[done + 1 :] = np.nan
                done = steps
            if callback is not None:
                callback(done)
    return Trajectory(lrs=lrs, final=theta.T.copy(), diverged_step=diverged, xy=xy)


def gd(
    grad: Gradient,
    init: ArrayLike,
    lrs: ArrayLike = 1e-4,
    steps: int = 1000,
    *,
    final_only: bool = False,
    callback: Optional[Callback] = None,
) -> Trajectory:
    """Plain gradient descent, theta <- theta - lr * grad f(theta) (the homework's ``gd``)."""
    eta = _as_lrs(lrs)

    def update(theta: NDArray[np.float64], g: NDArray[np.float64], t: int) -> None:
        theta -= eta * g

    return _integrate(grad, init, eta, steps, update, [], final_only=final_only, callback=callback)


def momentum(
    grad: Gradient,
    init: ArrayLike,
    lrs: ArrayLike = 1e-4,
    steps: int = 5000,
    *,
    gamma: float = 0.9,
    final_only: bool = False,
    callback: Optional[Callback] = None,
) -> Trajectory:
    """Heavy-ball momentum as in the homework's ``gd_with_mom``: v <- gamma v + g; theta <- theta - lr v.

    Note the homework's v accumulates raw gradients (no (1 - gamma) factor and no lr inside v), so
    the effective step on a steady slope is lr / (1 - gamma) = 10 lr. Its unused ``beta`` is dropped.
    """
    eta = _as_lrs(lrs)
    v = np.zeros((2, eta.size))

    def update(theta: NDArray[np.float64], g: NDArray[np.float64], t: int) -> None:
        np.multiply(v, gamma, out=v)  # in place: v is shared with the driver (frozen to NaN there)
        np.add(v, g, out=v)
        theta -= eta * v

    return _integrate(grad, init, eta, steps, update, [v], final_only=final_only, callback=callback)


def adam(
    grad: Gradient,
    init: ArrayLike,
    lrs: ArrayLike = 1e-4,
    steps: int = 5000,
    *,
    gamma: float = 0.9,
    beta: float = 0.99,
    eps: float = 1e-8,
    eps_inside: bool = True,
    final_only: bool = False,
    callback: Optional[Callback] = None,
) -> Trajectory:
    """The homework's ``adams``: bias-corrected moments, step lr * m_hat / sqrt(s_hat + eps).

    Two differences from standard Adam (Kingma & Ba): the default second-moment decay is
    beta = 0.99 (standard: 0.999), and eps sits *inside* the square root, so it bounds the step
    by lr * |m_hat| / sqrt(eps) = 10^4 lr |m_hat| rather than adding 1e-8 to the denominator.
    ``eps_inside=False`` gives the standard m_hat / (sqrt(s_hat) + eps).
    """
    eta = _as_lrs(lrs)
    m = np.zeros((2, eta.size))
    s = np.zeros((2, eta.size))
    c_m, c_s = 1.0 - gamma, 1.0 - beta
    log = None if final_only else np.full((_check_steps(steps), 2, eta.size), np.nan)

    def update(theta: NDArray[np.float64], g: NDArray[np.float64], t: int) -> None:
        np.multiply(m, gamma, out=m)  # in place: m, s are shared with the driver
        np.add(m, c_m * g, out=m)
        np.multiply(s, beta, out=s)
        np.add(s, c_s * g * g, out=s)  # ((1 - beta) g) g, the homework's order of operations
        m_hat = m / (1.0 - gamma**t)
        s_hat = s / (1.0 - beta**t)
        if log is not None:
            log[t - 1] = s_hat
        denom = np.sqrt(s_hat + eps) if eps_inside else np.sqrt(s_hat) + eps
        theta -= eta * (m_hat / denom)

    traj = _integrate(grad, init, eta, steps, update, [m, s], final_only=final_only, callback=callback)
    return traj if log is None else replace(traj, s_hat=log)
