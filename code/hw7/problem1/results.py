"""What a Problem 1 result can hold (kinds ``rosenbrock``, ``rosenbrock_sweep``): checked on every read of an entry.

Distances to the minimum (1, 1) and values of the Rosenbrock function are never negative; a run that
left the valley reads NaN there (``diverged_step`` >= 0, -1 when it never did); the thinned trajectory's
lists run in parallel. See :func:`hw7.problem1.runner.trajectory_result` for how each field is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hw7.sense import fields, integer, integers, mapping, need, real, real_grid, reals, text

TRAJECTORY = ("dist", "diverged_step", "f", "final", "final_dist", "final_f", "first_step_below", "hess_eig_max",
              "step_len", "steps", "tail_dist_max", "tail_dist_median", "tail_dist_min", "tail_step_max",
              "tail_step_median", "xy")
#: Adam's bias-corrected second moment per coordinate: after the last step, and its median over the last 10 %
ADAM_ONLY = ("s_hat_final", "s_hat_tail_median")
SWEEP = ("lrs", "final_dist", "diverged_step", "final_f")


def check_trajectory(config: Mapping[str, Any], result: Any, where: str = "result") -> None:
    """Raise :class:`~hw7.sense.Nonsense` unless ``result`` is what one run of ``config`` can give."""
    total = integer(config.get("steps"), "config.steps", 1)
    r = fields(result, where, TRAJECTORY, ADAM_ONLY if config.get("optimizer") == "adam" else ())
    diverged = integer(r["diverged_step"], f"{where}.diverged_step", -1, total)
    reals(r["final"], f"{where}.final", 2, nan=True, inf=True)
    for name in ("final_dist", "final_f", "tail_dist_max", "tail_dist_median", "tail_dist_min", "tail_step_max",
                 "tail_step_median"):
        value = real(r[name], f"{where}.{name}", 0.0, nan=diverged >= 0, inf=True)
        need(diverged < 0 or value != value, f"{where}.{name} must be NaN: the run diverged at step {diverged}")
    for name, first in mapping(r["first_step_below"], f"{where}.first_step_below").items():
        integer(first, f"{where}.first_step_below.{text(name, 'a first_step_below name', 10)}", -1, total)
    steps = integers(r["steps"], f"{where}.steps", None, 0, total)
    need(steps == sorted(set(steps)), f"{where}.steps must increase")
    n = len(steps)
    for name in ("dist", "f", "step_len"):
        reals(r[name], f"{where}.{name}", n, 0.0, nan=True, inf=True)
    reals(r["hess_eig_max"], f"{where}.hess_eig_max", n, nan=True, inf=True)
    real_grid(r["xy"], f"{where}.xy", (n, 2), nan=True, inf=True)
    for name in ADAM_ONLY:
        if name in r:
            reals(r[name], f"{where}.{name}", 2, 0.0, nan=diverged >= 0, inf=True)


def check_sweep(config: Mapping[str, Any], result: Any, where: str = "result") -> None:
    """Raise :class:`~hw7.sense.Nonsense` unless ``result`` is what a sweep of ``config`` can give."""
    total = integer(config.get("steps"), "config.steps", 1)
    r = fields(result, where, SWEEP)
    need(r["lrs"] == config.get("lrs"), f"{where}.lrs must be the config's learning rates")
    n = len(r["lrs"])
    diverged = integers(r["diverged_step"], f"{where}.diverged_step", n, -1, total)
    for name in ("final_dist", "final_f"):
        values = reals(r[name], f"{where}.{name}", n, 0.0, nan=True, inf=True)
        need(all(v == v for v, d in zip(values, diverged) if d < 0), f"{where}.{name} is NaN for a run that did not diverge")
