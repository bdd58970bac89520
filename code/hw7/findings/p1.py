"""What chapter 1 says about Problem 1, computed once from the cache as frozen, typed findings.

The chapter loads them with ``p1.load()`` and cites their attributes; ``tests/test_claims_p1.py``
checks its comparative and causal sentences against the same objects, so a rerun that changes a
result fails a test that quotes the sentence. Nothing here trains: every number is read from cached
runs (or, for the shape of the valley, from the analytic function itself). The runs and the Adam
variants are in :mod:`hw7.findings.p1_runs`, the sweep and the divergence limits in
:mod:`hw7.findings.p1_sweep`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from hw7.entry import Entry
from hw7.findings import source
from hw7.findings.p1_runs import Run, Variants, stored
from hw7.findings.p1_sweep import Limits, Sweep, sweep_line
from hw7.problem1 import rosenbrock
from hw7.problem1.experiments import (
    P1_ADAM_VARIANT_LRS,
    P1_INIT,
    P1_LIMIT_INDICES,
    P1_STEPS,
    P1_SWEEP_LRS,
    adam_variant_name,
)


@dataclass(frozen=True)
class Valley:
    """Part (a): why the valley is hard, from the analytic function (no run needed)."""

    literal_at_10: float            # the homework's formula as printed, at x = 10 on y = x^2 (no minimum)
    grad_across: float              # |grad f| at (1, 1.1): 0.1 across the floor
    grad_along: float               # |grad f| at (1.1, 1.21): 0.1 along the floor
    lam_max_star: float             # Hessian eigenvalues at the minimum
    lam_min_star: float
    grad_start: float               # |grad f| at the start
    lam_start: float                # largest Hessian eigenvalue at the start

    @property
    def conditioning(self) -> float:
        return self.lam_max_star / self.lam_min_star

    @property
    def stable_rate_start(self) -> float:
        """2 / lambda_max at the start: gradient descent's bound on a quadratic of that curvature."""
        return 2 / self.lam_start


@dataclass(frozen=True)
class PartB:
    """Part (b), kappa = 1e-4: speed and accuracy of every optimizer of the table, and why Adam starts slowly."""

    runs: Mapping[str, Run]         # optimizer -> its run, in the table's order
    momentum_max_y: float           # how far up the opposite wall momentum's velocity carries it
    adam_early_step_k: float        # Adam's median step over the first 10 % of the run, in units of kappa
    start_dist: float               # distance from the start to (1, 1)

    def __getitem__(self, optimizer: str) -> Run:
        return self.runs[optimizer]

    @property
    def first_to_1e2(self) -> str | None:
        """The optimizer first within 1e-2 (None: none gets there; one that never does is last)."""
        steps = {o: r.first_below["1e-2"] for o, r in self.runs.items() if r.first_below["1e-2"] >= 0}
        return min(steps, key=steps.__getitem__) if steps else None


@dataclass(frozen=True)
class PartC:
    """Part (c), kappa = 1e-3: momentum (and gradient descent) diverge from the first step; Adam does not."""

    momentum: Run
    adam: Run
    gd: Run                         # gradient descent at the same rate (evidence run)
    momentum_last_size: float       # the largest coordinate of momentum's last finite iterate
    first_x: float                  # where the first step lands (the same for GD and momentum)
    first_lam: float                # largest Hessian eigenvalue there
    adam_b_to_1e2: int              # Adam's first step within 1e-2 at part (b)'s rate

    @property
    def first_kl(self) -> float:
        return self.momentum.lr * self.first_lam

    @property
    def adam_speedup(self) -> float:
        """How many times sooner Adam gets within 1e-2 at 1e-3 than at 1e-4."""
        return self.adam_b_to_1e2 / self.adam.first_below["1e-2"]

    @property
    def gd_same_first_step(self) -> bool:
        return bool(np.allclose(self.gd.xy[1], self.momentum.xy[1], rtol=1e-12, atol=0))


@dataclass(frozen=True)
class PartD:
    """Part (d): Adam at 1e-2 against momentum at 1e-4, speed against accuracy."""

    adam: Run
    momentum: Run
    adam_b: Run                     # Adam at part (b)'s rate, for the width of the wander
    momentum_limit: float           # smallest rate of the sweep at which momentum diverges

    @property
    def speedup(self) -> float:
        return self.momentum.first_below["1e-2"] / self.adam.first_below["1e-2"]

    @property
    def wander_ratio(self) -> float:
        """Largest late distance at 1e-2 over that at 1e-4."""
        return self.adam.tail_dist_max / self.adam_b.tail_dist_max

    @property
    def margin(self) -> float:
        """Momentum's divergence limit over its rate here."""
        return self.momentum_limit / self.momentum.lr


@dataclass(frozen=True)
class P1Findings:
    """Everything chapter 1 cites, by part."""

    init: tuple[float, float]
    steps: int
    sweep_lrs: tuple[float, ...]
    valley: Valley
    b: PartB
    variants: Variants
    c: PartC
    d: PartD
    sweep: Sweep
    limits: Limits


def _by(entries: list[Entry], *keys: str) -> dict[Any, Entry]:
    return {tuple(e["config"][k] for k in keys) if len(keys) > 1 else e["config"][keys[0]]: e for e in entries}


def _valley(init: tuple[float, float]) -> Valley:
    lam_min, lam_max = (float(v) for v in rosenbrock.hessian_eigenvalues(*rosenbrock.MINIMUM))
    return Valley(
        literal_at_10=float(rosenbrock.literal_homework_value(10.0, 100.0)),
        grad_across=float(np.hypot(*rosenbrock.gradient(1.0, 1.1))),
        grad_along=float(np.hypot(*rosenbrock.gradient(1.1, 1.1**2))),
        lam_max_star=lam_max, lam_min_star=lam_min,
        grad_start=float(np.hypot(*rosenbrock.gradient(*init))),
        lam_start=float(rosenbrock.hessian_eigenvalues(*init)[1]))


def _runs(experiment: str) -> dict[str, Run]:
    """An experiment's runs by optimizer, in registry order (the optimizer table's, for part (b))."""
    return {k: Run.of(e) for k, e in _by(source.entries(experiment), "optimizer").items()}


def _limits(limits: dict[Any, Run], mom_c: Run) -> Limits:
    lrs = P1_SWEEP_LRS
    (gd_ok, gd_bad), (mom_ok, mom_bad) = P1_LIMIT_INDICES["gd"], P1_LIMIT_INDICES["momentum"]
    return Limits(gd_ok=limits[("gd", lrs[gd_ok])], gd_bad=limits[("gd", lrs[gd_bad])],
                  mom_ok=limits[("momentum", lrs[mom_ok])], mom_bad=limits[("momentum", lrs[mom_bad])],
                  gd_c=limits[("gd", 1e-3)], mom_c=mom_c)


def load() -> P1Findings:
    """Every finding of the Problem 1 chapter, from the committed cache."""
    b, c, d = _runs("p1-b"), _runs("p1-c"), _runs("p1-d")
    sweep = {k: sweep_line(e) for k, e in _by(source.entries("p1-lr-sweep"), "optimizer").items()}
    variants = {(e["config"]["lr"], adam_variant_name(e["config"])): Run.of(e)
                for e in source.entries("p1-adam-variants")}
    limits = {k: Run.of(e) for k, e in _by(source.entries("p1-limits"), "optimizer", "lr").items()}

    init = (float(P1_INIT[0]), float(P1_INIT[1]))
    start_dist = float(np.hypot(init[0] - rosenbrock.MINIMUM[0], init[1] - rosenbrock.MINIMUM[1]))
    part_b = PartB(runs=b, momentum_max_y=float(np.max(b["momentum"].xy[:, 1])),
                   adam_early_step_k=float(np.median(stored(b["adam"].entry, 0, 0.1)[0])) / b["adam"].lr,
                   start_dist=start_dist)

    rate_b, rate_d = P1_ADAM_VARIANT_LRS
    part_v = Variants(rate_b=rate_b, rate_d=rate_d, runs=variants)

    mom_c_xy = c["momentum"].xy
    part_c = PartC(momentum=c["momentum"], adam=c["adam"], gd=limits[("gd", 1e-3)],
                   momentum_last_size=float(np.abs(mom_c_xy[-1]).max()), first_x=float(mom_c_xy[1, 0]),
                   first_lam=float(c["momentum"].entry["result"]["hess_eig_max"][1]),
                   adam_b_to_1e2=b["adam"].first_below["1e-2"])
    part_d = PartD(adam=d["adam"], momentum=d["momentum"], adam_b=b["adam"], momentum_limit=sweep["momentum"].limit)
    return P1Findings(init=init, steps=P1_STEPS, sweep_lrs=tuple(P1_SWEEP_LRS), valley=_valley(init), b=part_b,
                      variants=part_v, c=part_c, d=part_d, sweep=Sweep(lines=sweep, start_dist=start_dist),
                      limits=_limits(limits, c["momentum"]))
