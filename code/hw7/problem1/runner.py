"""Runners for Problem 1: kinds ``rosenbrock`` (one trajectory per config) and ``rosenbrock_sweep``.

Both follow the runner contract of DESIGN.md: ``(configs, *, progress) -> Iterator[(index, result)]``,
yielding each result as soon as it is computed, so the CLI caches it at once. Every config is
validated before anything is computed, so a typo fails in a second, not after a long sweep.

A full trajectory is 10^5 steps; the cache stores a thinned copy (~1,440 points: log-spaced steps
for the early transient, linearly spaced steps for the long tail, and the steps around a
divergence), enough for trajectory and log-error plots while keeping the committed JSON small.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from numpy.typing import NDArray

from hw7.errors import ConfigError
from hw7.problem1 import descent, rosenbrock
from hw7.problem1.optimizers import OPTIMIZERS
from hw7.validation import is_int, is_real

#: Log-spaced steps kept per decade (120: 600 for 10^5 steps, every power of ten included), and the
#: number of equal intervals of the linearly spaced steps (1000: every 100th step of 10^5).
LOG_PER_DECADE: int = 120
N_LIN: int = 1000
#: Upper bound on ``steps`` in a config (a guard against typos such as 1e9).
MAX_STEPS: int = 10_000_000

_REQUIRED = {
    "rosenbrock": ("optimizer", "lr", "steps", "init"),
    "rosenbrock_sweep": ("optimizer", "lrs", "steps", "init"),
}


# ------------------------------------------------------------------------------------------------
# Config validation


def _positive_real(where: str, key: str, v: Any) -> float:
    if not is_real(v) or v <= 0:
        raise ConfigError(f"{where}: {key!r} must be a positive finite number, got {v!r}")
    return float(v)


def _check_keys(kind: str, where: str, config: Any) -> str:
    """The config's optimizer, once its keys are exactly the kind's plus that optimizer's hyper-parameters."""
    if not isinstance(config, dict):
        raise ConfigError(f"{where}: must be a dict, got {type(config).__name__}")
    optimizer = config.get("optimizer")
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"{where}: 'optimizer' must be one of {sorted(OPTIMIZERS)}, got {optimizer!r}")
    allowed = set(_REQUIRED[kind]) | set(OPTIMIZERS[optimizer].defaults)
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown} for optimizer {optimizer!r}; allowed: {sorted(allowed)}")
    missing = [k for k in _REQUIRED[kind] if k not in config]
    if missing:
        raise ConfigError(f"{where}: missing key(s) {missing}")
    return optimizer


def _learning_rates(kind: str, where: str, config: dict[str, Any]) -> list[float]:
    if kind == "rosenbrock":
        return [_positive_real(where, "lr", config["lr"])]
    lrs = config["lrs"]
    if not isinstance(lrs, list) or not lrs:
        raise ConfigError(f"{where}: 'lrs' must be a non-empty list of numbers, got {lrs!r}")
    return [_positive_real(where, f"lrs[{i}]", v) for i, v in enumerate(lrs)]


def _steps(where: str, steps: Any) -> int:
    if not is_int(steps) or not 1 <= steps <= MAX_STEPS:
        raise ConfigError(f"{where}: 'steps' must be an int in [1, {MAX_STEPS}], got {steps!r}")
    return steps


def _init(where: str, init: Any) -> tuple[float, float]:
    if not isinstance(init, list) or len(init) != 2 or not all(is_real(v) for v in init):
        raise ConfigError(f"{where}: 'init' must be a list [x, y] of two finite numbers, got {init!r}")
    return float(init[0]), float(init[1])


def _hyper(where: str, optimizer: str, config: dict[str, Any]) -> dict[str, Any]:
    """The optimizer's hyper-parameters, defaults filled in, as the descent functions take them."""
    hyper: dict[str, Any] = {}
    for key, default in OPTIMIZERS[optimizer].defaults.items():
        v = config.get(key, default)
        if key == "eps_inside":
            if not isinstance(v, bool):
                raise ConfigError(f"{where}: 'eps_inside' must be true or false, got {v!r}")
        elif key in ("gamma", "beta"):
            if not is_real(v) or not 0 <= v < 1:
                raise ConfigError(f"{where}: {key!r} must be a number in [0, 1), got {v!r}")
            v = float(v)
        elif key == "eps":
            if not is_real(v) or v < 0:
                raise ConfigError(f"{where}: 'eps' must be a non-negative finite number, got {v!r}")
            v = float(v)
        hyper[key] = v
    return hyper


@dataclass(frozen=True)
class DescentConfig:
    """One Problem 1 config, checked once and normalised (floats, hyper-parameter defaults filled in).

    ``lrs`` holds the one learning rate of a ``rosenbrock`` config, or every rate of a ``rosenbrock_sweep``.
    """

    optimizer: str
    lrs: list[float]
    steps: int
    init: tuple[float, float]
    hyper: dict[str, Any]

    @classmethod
    def check(cls, kind: str, index: int, config: Any) -> "DescentConfig":
        """Raise one :class:`ConfigError` line naming config #``index`` and its first bad field."""
        where = f"{kind} config #{index}"
        optimizer = _check_keys(kind, where, config)
        return cls(optimizer=optimizer, lrs=_learning_rates(kind, where, config), steps=_steps(where, config["steps"]),
                   init=_init(where, config["init"]), hyper=_hyper(where, optimizer, config))


def validate_configs(kind: str, configs: list[dict]) -> list[DescentConfig]:
    """Validate every config of ``kind`` up front; raise :class:`ConfigError` naming the first bad one."""
    if kind not in _REQUIRED:
        raise ConfigError(f"unknown Problem 1 kind {kind!r}")
    return [DescentConfig.check(kind, i, c) for i, c in enumerate(configs)]


# ------------------------------------------------------------------------------------------------
# Thinning and results


def thin_steps(steps: int, diverged_step: int = -1, finite: Optional[NDArray[np.bool_]] = None) -> NDArray[np.int64]:
    """Step indices kept in a stored trajectory of ``steps`` steps, sorted and unique.

    The union of log-spaced steps (LOG_PER_DECADE per decade, so 600 for 10^5 steps) and N_LIN + 1
    linearly spaced steps over [0, last] (about 1,440 distinct steps for 10^5), with 0 and
    ``last`` included, where ``last`` is ``steps`` for a run that never diverged, else the divergence
    step (so a run that blows up at step 3 still keeps every step it has). For a diverged run the
    steps just before and at divergence are added. ``finite[t]`` (if given) says whether iterate t
    is finite; non-finite steps are dropped, so no NaN/inf point is ever stored.
    """
    last = steps if diverged_step < 0 else min(diverged_step, steps)
    grid = [np.array([0, last])]
    if last > 0:
        exponents = np.arange(math.floor(math.log10(last) * LOG_PER_DECADE) + 1) / LOG_PER_DECADE
        grid.append(np.rint(10.0**exponents).astype(np.int64))
        grid.append(np.rint(np.linspace(0.0, last, N_LIN + 1)).astype(np.int64))
    if diverged_step >= 0:
        grid.append(np.array([diverged_step - 1, diverged_step]))
    idx = np.unique(np.concatenate(grid))
    idx = idx[(idx >= 0) & (idx <= last)]
    if finite is not None:
        idx = idx[finite[idx]]
    return idx


def _distance(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """Euclidean distance of points (..., 2) to the minimum (1, 1)."""
    return np.hypot(xy[..., 0] - rosenbrock.MINIMUM[0], xy[..., 1] - rosenbrock.MINIMUM[1])


def _floats(a: NDArray[Any]) -> list:
    return a.tolist()


#: tolerances for ``first_step_below`` (distance to the minimum)
FIRST_BELOW_TOLERANCES: tuple[float, ...] = (1e-1, 1e-2, 1e-4, 1e-6)


def _first_below(dist: NDArray[np.float64], tol: float) -> int:
    below = np.flatnonzero(dist < tol)
    return int(below[0]) if below.size else -1


def _moments(s_hat: Optional[NDArray[np.float64]], ok: bool) -> dict[str, Any]:
    """Adam's bias-corrected second moment per coordinate (x, y), from every step of the run: after the
    last step, and its median over the last 10 % of the steps (empty for the other optimizers)."""
    if s_hat is None:
        return {}
    tail = s_hat[-max(1, s_hat.shape[0] // 10):]
    nan = [float("nan")] * 2
    return {"s_hat_final": _floats(s_hat[-1]) if ok else nan,
            "s_hat_tail_median": _floats(np.median(tail, axis=0)) if ok else nan}


def trajectory_result(xy: NDArray[np.float64], diverged_step: int,
                      s_hat: Optional[NDArray[np.float64]] = None) -> dict[str, Any]:
    """The cached result of one run from its full trajectory ``xy`` (steps+1, 2) and, for Adam, its
    bias-corrected second moment after each step ``s_hat`` (steps, 2). Every summary of the run's
    tail is taken over all its steps, not over the thinned iterates the cache keeps."""
    steps = xy.shape[0] - 1
    final = xy[-1]
    finite = np.asarray(np.isfinite(xy).all(axis=1))
    idx = thin_steps(steps, diverged_step, finite)
    kept = xy[idx]
    nan = float("nan")
    ok = diverged_step < 0
    with np.errstate(over="ignore", invalid="ignore"):
        full = _distance(xy)
    tail = full[-max(1, steps // 10):]
    with np.errstate(over="ignore", invalid="ignore"):
        step_len = np.concatenate([[0.0], np.hypot(*np.diff(xy, axis=0).T)])  # |theta_t - theta_(t-1)|
        curvature = rosenbrock.hessian_eigenvalues(kept[:, 0], kept[:, 1])[1]
    tail_steps = step_len[-max(1, steps // 10):]
    with np.errstate(over="ignore", invalid="ignore"):  # a kept pre-divergence point may overflow f
        return {
            "final": _floats(final),
            "final_dist": float(_distance(final)) if ok else nan,
            "final_f": float(rosenbrock.value(final[0], final[1])) if ok else nan,
            # exact, from the full trajectory: first step within each tolerance of (1, 1) (-1: never)
            "first_step_below": {f"1e{round(np.log10(tol))}": _first_below(full, tol) for tol in FIRST_BELOW_TOLERANCES},
            # spread of the distance over the last 10% of steps: does the run settle or wander?
            "tail_dist_min": float(np.min(tail)) if ok else nan,
            "tail_dist_max": float(np.max(tail)) if ok else nan,
            "tail_dist_median": float(np.median(tail)) if ok else nan,
            # length of the steps that land in the last 10%: does the step shrink as the run settles?
            "tail_step_median": float(np.median(tail_steps)) if ok else nan,
            "tail_step_max": float(np.max(tail_steps)) if ok else nan,
            "diverged_step": int(diverged_step),
            "steps": _floats(idx),
            "step_len": _floats(step_len[idx]),
            # largest Hessian eigenvalue at each kept iterate (lr times it > 2: a GD step there overshoots)
            "hess_eig_max": _floats(curvature),
            "xy": _floats(kept),
            "dist": _floats(_distance(kept)),
            "f": _floats(rosenbrock.value(kept[:, 0], kept[:, 1])),
            **_moments(s_hat, ok),
        }


class _Progress:
    """A tqdm bar over steps, advanced once per chunk by the optimizers' callback (low overhead)."""

    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self.bar = None
        self.seen = 0
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="step", unit_scale=True, leave=False)

    def __call__(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done - self.seen)
        self.seen = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _optimize(cfg: DescentConfig, lrs: Any, *, final_only: bool, progress: bool, desc: str) -> descent.Trajectory:
    bar = _Progress(cfg.steps, desc, progress)
    try:
        return OPTIMIZERS[cfg.optimizer].rule(
            rosenbrock.gradient, cfg.init, lrs, cfg.steps,
            final_only=final_only, callback=bar, **cfg.hyper,
        )
    finally:
        bar.close()


def run_trajectory(configs: list[dict], *, progress: bool = True) -> Iterator[tuple[int, dict]]:
    """Kind ``rosenbrock``: one full run per config; yields (index, result) as each finishes."""
    checked = validate_configs("rosenbrock", configs)
    for i, cfg in enumerate(checked):
        lr = cfg.lrs[0]
        traj = _optimize(cfg, lr, final_only=False, progress=progress, desc=f"{cfg.optimizer} lr={lr:g}")
        assert traj.xy is not None  # final_only=False keeps every iterate
        s_hat = None if traj.s_hat is None else traj.s_hat[:, :, 0]
        yield i, trajectory_result(traj.xy[:, 0, :], int(traj.diverged_step[0]), s_hat)


def run_sweep(configs: list[dict], *, progress: bool = True) -> Iterator[tuple[int, dict]]:
    """Kind ``rosenbrock_sweep``: all of a config's learning rates in one vectorised run."""
    checked = validate_configs("rosenbrock_sweep", configs)
    for i, cfg in enumerate(checked):
        traj = _optimize(cfg, cfg.lrs, final_only=True, progress=progress,
                         desc=f"{cfg.optimizer} sweep x{len(cfg.lrs)}")
        ok = traj.diverged_step < 0
        dist = np.where(ok, _distance(traj.final), np.nan)
        f = np.where(ok, rosenbrock.value(traj.final[:, 0], traj.final[:, 1]), np.nan)
        yield i, {
            "lrs": list(cfg.lrs),
            "final_dist": _floats(dist),
            "diverged_step": _floats(traj.diverged_step),
            "final_f": _floats(f),
        }
