"""What the appendices' results can hold (kinds ``zoo``, ``lnn``, ``numpy_net``, ``numpy_gradcheck``).

Checked on every read of an entry, so an accuracy outside [0, 1], a negative loss or error, or a history
of another length than the run evaluated is reported as damage instead of being drawn. See the runners
(:mod:`hw7.readings.zoo`, :mod:`hw7.readings.linear_nets`, :mod:`hw7.readings.numpy_runner`) for how
each field is made.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hw7.sense import fields, grid, integer, integers, mapping, need, optional, real, real_grid, reals, series, text

ZOO = ("iterations", "test_acc", "test_loss", "train_loss", "hyper_effective", "diverged_iteration",
       "final_test_acc", "seconds", "device")
NUMPY_NET = ("eval_set", "epochs", "eval_acc", "eval_loss", "train_loss", "epoch_seconds", "diverged_epoch",
             "seconds", "device")
GRADCHECK = ("checks", "max_rel_error", "match", "seconds", "device")
LNN = ("learning_time", "final_loss", "diverged", "best_lr", "best_time", "x_sq_mean", "xy_mean", "noise_floor",
       "seconds", "device")


def _timing(r: Mapping[str, Any], where: str) -> None:
    real(r["seconds"], f"{where}.seconds", 0.0)
    text(r["device"], f"{where}.device", 40)


def check_zoo(config: Mapping[str, Any], result: Any, where: str = "result") -> None:
    """One evaluation per ``eval_every`` iterations; accuracies in [0, 1]; losses not negative."""
    every = integer(config.get("eval_every"), "config.eval_every", 1)
    total = integer(config.get("iterations"), "config.iterations", every)
    r = fields(result, where, ZOO)
    need(r["iterations"] == list(range(every, total + 1, every)), f"{where}.iterations must be every {every} to {total}")
    n = len(r["iterations"])
    accs = reals(r["test_acc"], f"{where}.test_acc", n, 0.0, 1.0)
    for name in ("test_loss", "train_loss"):
        reals(r[name], f"{where}.{name}", n, 0.0, nan=True, inf=True)
    need(r["final_test_acc"] == accs[-1], f"{where}.final_test_acc must be the last test_acc")
    mapping(r["hyper_effective"], f"{where}.hyper_effective")
    if optional(r, "diverged_iteration"):
        need(r["diverged_iteration"] in r["iterations"], f"{where}.diverged_iteration must be an evaluated iteration")
    _timing(r, where)


def check_numpy_net(config: Mapping[str, Any], result: Any, where: str = "result") -> None:
    """One row per epoch run (all of them, or up to the diverged one); accuracies in [0, 1] or NaN there."""
    epochs = integer(config.get("epochs"), "config.epochs", 1)
    r = fields(result, where, NUMPY_NET)
    need(r["eval_set"] == config.get("eval", "test"), f"{where}.eval_set must be the config's eval split")
    diverged = None if r["diverged_epoch"] is None else integer(r["diverged_epoch"], f"{where}.diverged_epoch", 1, epochs)
    rows = epochs if diverged is None else diverged
    need(r["epochs"] == list(range(1, rows + 1)), f"{where}.epochs must be 1..{rows}")
    for i, acc in enumerate(series(r["eval_acc"], f"{where}.eval_acc", rows)):
        real(acc, f"{where}.eval_acc[{i}]", 0.0, 1.0, nan=diverged == i + 1)
    for name in ("eval_loss", "train_loss"):
        reals(r[name], f"{where}.{name}", rows, 0.0, nan=True, inf=True)
    reals(r["epoch_seconds"], f"{where}.epoch_seconds", rows, 0.0)
    _timing(r, where)


def check_gradcheck(config: Mapping[str, Any], result: Any, where: str = "result") -> None:
    """Relative errors are never negative; each check's maximum is its largest error; the match has its steps."""
    r = fields(result, where, GRADCHECK)
    checks = mapping(r["checks"], f"{where}.checks")
    worst = mapping(r["max_rel_error"], f"{where}.max_rel_error")
    need(set(worst) == set(checks), f"{where}.max_rel_error must name the same checks as {where}.checks")
    for name, errors in checks.items():
        values = [real(v, f"{where}.checks.{name}.{k}", 0.0, nan=True, inf=True)
                  for k, v in mapping(errors, f"{where}.checks.{name}").items()]
        need(bool(values) and _same(worst[name], max(values)), f"{where}.max_rel_error.{name} must be its check's largest")
    match = fields(r["match"], f"{where}.match", ("steps", "loss_numpy", "loss_torch", "max_loss_gap", "max_weight_gap"))
    steps = integer(match["steps"], f"{where}.match.steps", 1)
    need(steps == config.get("match_steps"), f"{where}.match.steps must be the config's match_steps")
    for name in ("loss_numpy", "loss_torch"):
        reals(match[name], f"{where}.match.{name}", steps, 0.0, nan=True, inf=True)
    for name in ("max_loss_gap", "max_weight_gap"):
        real(match[name], f"{where}.match.{name}", 0.0, nan=True, inf=True)
    _timing(r, where)


def _same(a: Any, b: float) -> bool:
    return isinstance(a, (int, float)) and (a == b or math.isnan(a) and math.isnan(b))


def check_lnn(config: Mapping[str, Any], result: Any, where: str = "result") -> None:
    """Grids shaped (depths, rates, inits); losses (null where not finite) and the noise floor not negative;
    learning times -1 (never) or an epoch; the best rate one of the config's or null."""
    d, n_lr, n_init = (len(series(config.get(k), f"config.{k}")) for k in ("depths", "lrs", "inits"))
    epochs = integer(config.get("epochs"), "config.epochs", 1)
    r = fields(result, where, LNN, ("curves",))
    integers(grid(r["learning_time"], f"{where}.learning_time", (d, n_lr, n_init)), f"{where}.learning_time", None, -1, epochs)
    real_grid(r["final_loss"], f"{where}.final_loss", (d, n_lr, n_init), 0.0, null=True)
    need(all(isinstance(v, bool) for v in grid(r["diverged"], f"{where}.diverged", (d, n_lr, n_init))),
         f"{where}.diverged must hold true/false")
    integers(grid(r["best_time"], f"{where}.best_time", (d, n_init)), f"{where}.best_time", None, -1, epochs)
    rates = config["lrs"]
    need(all(v is None or v in rates for v in grid(r["best_lr"], f"{where}.best_lr", (d, n_init))),
         f"{where}.best_lr must hold the config's rates or null")
    real(r["x_sq_mean"], f"{where}.x_sq_mean", 0.0)
    real(r["xy_mean"], f"{where}.xy_mean")
    real(r["noise_floor"], f"{where}.noise_floor", 0.0)
    curves = config.get("curves")
    need(("curves" in r) == (curves != "none"), f"{where}.curves must be there unless the config says none")
    if "curves" in r:
        shape = (d, n_lr, n_init, epochs) if curves == "all" else (d, n_init, epochs)
        real_grid(r["curves"], f"{where}.curves", shape, 0.0, null=True)
    _timing(r, where)
