"""Problem 1's headline numbers for ``cache/summary.json`` (collected by :mod:`hw7.store.summary`)."""

from __future__ import annotations

import math
from typing import Any

from hw7.entry import Entry, Metric
from hw7.problem1.experiments import P1_ADAM_VARIANT_LRS, adam_variant_name


def _by(entries: list[Entry], field: str) -> dict[Any, dict[str, Any]]:
    return {e["config"][field]: e["result"] for e in entries}


def _p1_b(entries: list[Entry]) -> dict[str, float]:
    return {f"p1.b.final_dist.{opt}": r["final_dist"] for opt, r in _by(entries, "optimizer").items()}


def _p1_c(entries: list[Entry]) -> dict[str, float]:
    results = _by(entries, "optimizer")
    out = {f"p1.c.diverged_step.{opt}": r["diverged_step"] for opt, r in results.items()}
    out.update({f"p1.c.final_dist.{opt}": r["final_dist"] for opt, r in results.items()})
    return out


def _p1_d(entries: list[Entry]) -> dict[str, float]:
    return {f"p1.d.final_dist.{e['config']['optimizer']}": e["result"]["final_dist"] for e in entries}


def _p1_sweep(entries: list[Entry]) -> dict[str, float]:
    out: dict[str, float] = {}
    for opt, r in _by(entries, "optimizer").items():
        finite = [(d, lr) for d, lr in zip(r["final_dist"], r["lrs"]) if d is not None and math.isfinite(d)]
        best_dist, best_lr = min(finite)
        out[f"p1.sweep.best_lr.{opt}"] = best_lr
        out[f"p1.sweep.best_final_dist.{opt}"] = best_dist
        diverged = [lr for lr, s in zip(r["lrs"], r["diverged_step"]) if s >= 0]
        out[f"p1.sweep.smallest_diverging_lr.{opt}"] = min(diverged) if diverged else -1
    return out



def _p1_adam_variants(entries: list[Entry]) -> dict[str, float]:
    """Each Adam variant's wander near the minimum (part b's rate: p1.b; part d's: p1.d)."""
    part = {P1_ADAM_VARIANT_LRS[0]: "b", P1_ADAM_VARIANT_LRS[1]: "d"}
    out: dict[str, float] = {}
    for e in entries:
        prefix = f"p1.{part[e['config']['lr']]}.adam_variant.{adam_variant_name(e['config'])}"
        r = e["result"]
        out.update({f"{prefix}.tail_dist_max": r["tail_dist_max"], f"{prefix}.final_dist": r["final_dist"],
                    f"{prefix}.tail_step_median": r["tail_step_median"]})
    return out


def _p1_limits(entries: list[Entry]) -> dict[str, float]:
    """Step at which each run near a divergence limit diverged (-1: never), by optimizer and rate."""
    return {f"p1.limits.diverged_step.{e['config']['optimizer']}.lr{e['config']['lr']:.3g}": e["result"]["diverged_step"]
            for e in entries}


#: experiment name -> the function that turns its entries into headline numbers
METRICS: dict[str, Metric] = {
    "p1-b": _p1_b,
    "p1-c": _p1_c,
    "p1-d": _p1_d,
    "p1-lr-sweep": _p1_sweep,
    "p1-adam-variants": _p1_adam_variants,
    "p1-limits": _p1_limits,
}

#: dotted-name prefix -> what the number means
DESCRIPTIONS: dict[str, str] = {
    "p1.b.final_dist": "P1(b): distance to (1, 1) after 1e5 steps at lr 1e-4",
    "p1.c.diverged_step": "P1(c): first step with a non-finite or >1e6 iterate at lr 1e-3 (-1: never)",
    "p1.c.final_dist": "P1(c): distance to (1, 1) after 1e5 steps at lr 1e-3 (null: diverged)",
    "p1.d.final_dist": "P1(d): distance to (1, 1) after 1e5 steps (Adam lr 1e-2, momentum lr 1e-4)",
    "p1.sweep.best_lr": "P1 sweep: learning rate with the smallest final distance",
    "p1.sweep.best_final_dist": "P1 sweep: the smallest final distance over 41 learning rates",
    "p1.sweep.smallest_diverging_lr": "P1 sweep: smallest learning rate that diverges (-1: none)",
    "p1.b.adam_variant": "P1(b): Adam variant at lr 1e-4 (eps placement, eps = 0, beta2 0.999): wander near the minimum",
    "p1.d.adam_variant": "P1(d): Adam variant at lr 1e-2: wander near the minimum",
    "p1.limits.diverged_step": "P1: step at which GD / momentum diverge just above their limit (-1: never)",
}
