"""What chapter 1 says about Problem 1, computed once from the cache as frozen, typed findings.

The chapter cites these attributes and ``tests/test_claims_p1.py`` checks its comparative and
causal sentences against the same objects, so a rerun that changes a result fails a test that
quotes the sentence. Nothing here trains: every number is read from cached runs (or, for the shape
of the valley, from the analytic function itself).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping

import numpy as np

from hw7.entry import Entry
from hw7.present.plots import label
from hw7.problem1 import rosenbrock
from hw7.problem1.experiments import (
    P1_ADAM_VARIANT_LRS,
    P1_ADAM_VARIANTS,
    P1_INIT,
    P1_LIMIT_INDICES,
    P1_STEPS,
    P1_SWEEP_LRS,
    adam_variant_name,
)

#: the heavy-ball stability bound of the homework's momentum (0.9) on a quadratic: kappa * lambda < 2 (1 + 0.9)
HEAVY_BALL_BOUND = 2 * (1 + 0.9)
#: "usable" rate in the sweep: the run ends within this distance of (1, 1)
USABLE_DIST = 1e-2
#: a rate of the sweep ties with the best when its final distance is within this factor of the best one
TIE_FACTOR = 2.0


@dataclass(frozen=True)
class Run:
    """One cached trajectory as the chapter cites it (the entry rides along for the figures)."""

    optimizer: str
    lr: float
    final_dist: float
    first_below: Mapping[str, int]          # tolerance "1e-2" -> first step within it (-1: never)
    tail_dist_min: float                    # distance to (1, 1) over the last 10 % of the steps
    tail_dist_max: float
    tail_step_median: float                 # step length over the last 10 % of the steps
    tail_step_max: float
    diverged_step: int                      # -1: never diverged
    entry: Entry = field(repr=False, compare=False)

    @classmethod
    def of(cls, entry: Entry) -> "Run":
        r, c = entry["result"], entry["config"]
        return cls(c["optimizer"], c["lr"], r["final_dist"], dict(r["first_step_below"]), r["tail_dist_min"],
                   r["tail_dist_max"], r["tail_step_median"], r["tail_step_max"], r["diverged_step"], entry)

    @property
    def label(self) -> str:
        return label(self.optimizer)

    @property
    def tail_step_median_k(self) -> float:
        """The median late step as a multiple of the learning rate."""
        return self.tail_step_median / self.lr

    @property
    def tail_step_max_k(self) -> float:
        return self.tail_step_max / self.lr

    @property
    def xy(self) -> np.ndarray:
        return np.asarray(self.entry["result"]["xy"], dtype=float)

    def kl(self, t: int) -> float:
        """kappa times the largest Hessian eigenvalue at the stored iterate of step t."""
        return self.lr * self.entry["result"]["hess_eig_max"][t]

    @property
    def tail_dist_median(self) -> float:
        """Median distance to (1, 1) over the stored iterates of the last 10 %: steadier than the final
        distance, which is one moment of a wandering iterate."""
        _, xy = _stored(self.entry, 0.9, 1.0)
        return float(np.median(np.hypot(xy[:, 0] - 1.0, xy[:, 1] - 1.0)))


def _stored(entry: Entry, lo: float, hi: float, name: str = "step_len") -> tuple[np.ndarray, np.ndarray]:
    """A stored result list (and the iterates) at the stored steps t with lo <= t / steps <= hi, t >= 1."""
    r = entry["result"]
    st = np.asarray(r["steps"])
    keep = (st >= 1) & (st >= lo * P1_STEPS) & (st <= hi * P1_STEPS)
    return np.asarray(r[name], dtype=float)[keep], np.asarray(r["xy"], dtype=float)[keep]


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
    """Part (b), kappa = 1e-4: speed and accuracy of the three methods, and why Adam starts slowly."""

    gd: Run
    momentum: Run
    adam: Run
    momentum_max_y: float           # how far up the opposite wall momentum's velocity carries it
    adam_early_step_k: float        # Adam's median step over the first 10 % of the run, in units of kappa
    start_dist: float               # distance from the start to (1, 1)

    @property
    def runs(self) -> tuple[Run, ...]:
        return (self.gd, self.momentum, self.adam)

    @property
    def momentum_first_to_1e2(self) -> bool:
        """Momentum is the first of the three within 1e-2 (a method that never gets there is last)."""
        steps = {r.optimizer: r.first_below["1e-2"] for r in self.runs if r.first_below["1e-2"] >= 0}
        return bool(steps) and min(steps, key=steps.__getitem__) == "momentum"


@dataclass(frozen=True)
class Variants:
    """Why Adam wanders: the homework's Adam against three variants (eps placement, eps = 0, beta2 = 0.999).

    The eps variants answer "is eps the cause?"; standard Adam shows what the longer second-moment
    memory does. ``eps_*`` ranges cover the three beta2 = 0.99 variants, ``all_tail_max`` all four.
    """

    rate_b: float
    rate_d: float
    runs: Mapping[tuple[float, str], Run]
    tail_grad: float                 # median |grad f| over the last 10 % of the homework run at rate_b

    def run(self, lr: float, name: str) -> Run:
        return self.runs[(lr, name)]

    @property
    def homework_b(self) -> Run:
        return self.run(self.rate_b, "homework")

    @property
    def standard_b(self) -> Run:
        return self.run(self.rate_b, "standard")

    @property
    def homework_d(self) -> Run:
        return self.run(self.rate_d, "homework")

    @property
    def standard_d(self) -> Run:
        return self.run(self.rate_d, "standard")

    def all_tail_max(self, lr: float) -> tuple[float, float]:
        """Smallest and largest late excursion (tail_dist_max) of all four variants at ``lr``."""
        v = [self.runs[(lr, n)].tail_dist_max for n in P1_ADAM_VARIANTS]
        return min(v), max(v)

    def all_wander_k(self, lr: float) -> tuple[float, float]:
        """The same in units of kappa."""
        lo, hi = self.all_tail_max(lr)
        return lo / lr, hi / lr

    @property
    def all_factor(self) -> float:
        """Largest ratio of late excursions among all four variants, over both rates."""
        return max(hi / lo for lo, hi in (self.all_tail_max(lr) for lr in (self.rate_b, self.rate_d)))

    def _eps(self, lr: float) -> list[Run]:
        return [self.runs[(lr, n)] for n in P1_ADAM_VARIANTS if n != "standard"]

    def eps_tail_max(self, lr: float) -> tuple[float, float]:
        """Smallest and largest late excursion (tail_dist_max) of the three eps variants at ``lr``."""
        v = [r.tail_dist_max for r in self._eps(lr)]
        return min(v), max(v)

    def eps_final(self, lr: float) -> tuple[float, float]:
        v = [r.final_dist for r in self._eps(lr)]
        return min(v), max(v)

    def eps_step_k(self, lr: float) -> tuple[float, float]:
        """Range of the median late step, in units of kappa, over the three eps variants."""
        v = [r.tail_step_median_k for r in self._eps(lr)]
        return min(v), max(v)

    def eps_wander_k(self, lr: float) -> tuple[float, float]:
        """Range of the largest late distance, in units of kappa, over the three eps variants."""
        v = [r.tail_dist_max / lr for r in self._eps(lr)]
        return min(v), max(v)

    @property
    def eps_factor(self) -> float:
        """Largest ratio of late excursions among the eps variants, over both rates."""
        return max(hi / lo for hi, lo in (self.eps_tail_max(lr)[::-1] for lr in (self.rate_b, self.rate_d)))

    @property
    def s_hat(self) -> float:
        """The second-moment estimate near the minimum, about |grad f|^2."""
        return self.tail_grad**2

    @property
    def s_over_eps(self) -> float:
        return self.s_hat / P1_ADAM_VARIANTS["homework"].get("eps", 1e-8)

    def beta2_gain(self, lr: float) -> float:
        """How many times closer standard Adam stays than the homework's (median distance, last 10 %)."""
        return self.run(lr, "homework").tail_dist_median / self.run(lr, "standard").tail_dist_median

    def beta2_slowdown(self, lr: float) -> float:
        """How many times later standard Adam first gets within 1e-2 than the homework's Adam."""
        return self.run(lr, "standard").first_below["1e-2"] / self.run(lr, "homework").first_below["1e-2"]

    @property
    def beta2_orders_b(self) -> float:
        """log10 of :meth:`beta2_gain` at part (b)'s rate: orders of magnitude closer with beta2 = 0.999."""
        return math.log10(self.beta2_gain(self.rate_b))

    @property
    def beta2_orders_d(self) -> float:
        return math.log10(self.beta2_gain(self.rate_d))

    def beta2_step_gain(self, lr: float) -> float:
        """How many times shorter standard Adam's median late step is than the homework's."""
        return self.run(lr, "homework").tail_step_median / self.run(lr, "standard").tail_step_median


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
    def wander_low_k(self) -> float:
        """kappa over Adam's largest late distance: how many times less than kappa it strays at most."""
        return self.adam.lr / self.adam.tail_dist_max

    @property
    def wander_high_k(self) -> float:
        return self.adam.lr / self.adam.tail_dist_min

    @property
    def wander_ratio(self) -> float:
        """Largest late distance at 1e-2 over that at 1e-4."""
        return self.adam.tail_dist_max / self.adam_b.tail_dist_max

    @property
    def margin(self) -> float:
        """Momentum's divergence limit over its rate here."""
        return self.momentum_limit / self.momentum.lr


@dataclass(frozen=True)
class SweepLine:
    """One optimizer over the sweep's 41 rates: where it diverges, its best rate and its usable band."""

    optimizer: str
    lrs: tuple[float, ...]
    final_dist: tuple[float, ...]   # nan where the run diverged
    diverged: tuple[bool, ...]
    entry: Entry = field(repr=False, compare=False)

    @property
    def n_diverged(self) -> int:
        return sum(self.diverged)

    @property
    def limit(self) -> float:
        """The smallest rate that diverges (nan: none does)."""
        return min((lr for lr, d in zip(self.lrs, self.diverged) if d), default=math.nan)

    @property
    def best(self) -> tuple[float, float]:
        """(rate, final distance) with the smallest final distance among the runs that did not diverge."""
        return min(((lr, d) for lr, d, bad in zip(self.lrs, self.final_dist, self.diverged) if not bad),
                   key=lambda p: p[1])

    @property
    def best_lr(self) -> float:
        return self.best[0]

    @property
    def best_dist(self) -> float:
        return self.best[1]

    @property
    def tied_best(self) -> tuple[float, ...]:
        """Rates whose final distance is within TIE_FACTOR of the best one: a tie, not one best rate."""
        return tuple(lr for lr, d, bad in zip(self.lrs, self.final_dist, self.diverged)
                     if not bad and d <= TIE_FACTOR * self.best_dist)

    def tied_dists(self) -> tuple[float, float]:
        """Smallest and largest final distance among the tied best rates."""
        d = [self.final_dist[self.lrs.index(lr)] for lr in self.tied_best]
        return min(d), max(d)

    @property
    def usable(self) -> tuple[float, ...]:
        """Rates that end within USABLE_DIST of the minimum."""
        return tuple(lr for lr, d, bad in zip(self.lrs, self.final_dist, self.diverged) if not bad and d < USABLE_DIST)

    @property
    def usable_decades(self) -> float:
        """Width of the usable band in decades (0 for a single rate)."""
        u = self.usable
        return math.log10(max(u) / min(u)) if u else 0.0

    @property
    def usable_is_contiguous(self) -> bool:
        idx = [i for i, lr in enumerate(self.lrs) if lr in self.usable]
        return idx == list(range(idx[0], idx[-1] + 1)) if idx else False

    def at(self, lo: float, hi: float) -> list[float]:
        """Final distances at the rates in [lo, hi] (diverged runs left out)."""
        return [d for lr, d, bad in zip(self.lrs, self.final_dist, self.diverged) if lo <= lr <= hi and not bad]


@dataclass(frozen=True)
class Sweep:
    """The learning-rate sweep: each method's working range, and where Adam is worst or best.

    Adam's small-rate failure and its non-monotone error at large rates are what scope the chapter's
    claims about Adam's robustness (issue 17, error 6).
    """

    gd: SweepLine
    momentum: SweepLine
    adam: SweepLine
    start_dist: float

    @property
    def lines(self) -> tuple[SweepLine, ...]:
        return (self.gd, self.momentum, self.adam)

    @property
    def grid_ratio(self) -> float:
        return self.gd.lrs[1] / self.gd.lrs[0]

    @property
    def adam_start_lr(self) -> float:
        """The smallest rate from which Adam ends within USABLE_DIST."""
        return min(self.adam.usable)

    @property
    def adam_slow_lrs(self) -> tuple[float, ...]:
        """Rates below Adam's usable band."""
        return tuple(lr for lr in self.adam.lrs if lr < self.adam_start_lr)

    @property
    def adam_slow_range(self) -> tuple[float, float]:
        """Smallest and largest final distance of Adam below its usable band."""
        d = self.adam.at(0, max(self.adam_slow_lrs))
        return min(d), max(d)

    @property
    def adam_worst_below(self) -> bool:
        """At every rate below Adam's band, Adam ends further from (1, 1) than both other methods."""
        for lr, da in zip(self.adam.lrs, self.adam.final_dist):
            if lr in self.adam_slow_lrs:
                others = [ln.final_dist[ln.lrs.index(lr)] for ln in (self.gd, self.momentum)]
                if not all(da > o for o in others if not math.isnan(o)):
                    return False
        return True

    @property
    def adam_short_lrs(self) -> tuple[float, ...]:
        """Rates below Adam's band at which even a straight walk at sqrt(2) kappa per step falls short."""
        return tuple(lr for lr in self.adam_slow_lrs if math.sqrt(2) * lr * P1_STEPS < self.start_dist)

    @property
    def adam_long_enough(self) -> tuple[float, ...]:
        """Rates below Adam's band whose straight walk would have covered the start distance."""
        return tuple(lr for lr in self.adam_slow_lrs if lr not in self.adam_short_lrs)

    def adam_dist(self, lr: float) -> float:
        return self.adam.final_dist[self.adam.lrs.index(lr)]

    def adam_straight_line_error(self, max_lr: float = 1e-5) -> float:
        """Largest relative gap between Adam's final distance and start distance - sqrt(2) kappa N
        (a straight walk at sqrt(2) kappa per step) over the rates <= ``max_lr``."""
        gaps = [abs(d - (self.start_dist - math.sqrt(2) * lr * P1_STEPS)) / d
                for lr, d in zip(self.adam.lrs, self.adam.final_dist) if lr <= max_lr]
        return max(gaps)

    @property
    def adam_rises(self) -> int:
        """Within Adam's usable band, how often the final distance rises from one rate to the next."""
        d = [x for lr, x in zip(self.adam.lrs, self.adam.final_dist) if lr in self.adam.usable]
        return sum(b > a for a, b in zip(d, d[1:]))

    @property
    def adam_falls(self) -> int:
        d = [x for lr, x in zip(self.adam.lrs, self.adam.final_dist) if lr in self.adam.usable]
        return sum(b < a for a, b in zip(d, d[1:]))

    @property
    def adam_first_decade(self) -> float:
        """Median final distance of Adam over 1e-4 <= kappa <= 1e-3 (and the last decade, below)."""
        return float(np.median(self.adam.at(1e-4, 1e-3)))

    @property
    def adam_last_decade(self) -> float:
        return float(np.median(self.adam.at(1e-2, 1e-1)))


@dataclass(frozen=True)
class Limits:
    """Where gradient descent's and momentum's divergence limits come from: the first steps of runs
    just below and above each limit (sweep neighbours), with kappa * lambda_max where they land."""

    gd_ok: Run
    gd_bad: Run
    mom_ok: Run
    mom_bad: Run
    gd_c: Run                        # gradient descent at 1e-3
    mom_c: Run                       # momentum at 1e-3 (part c)
    heavy_ball: float = HEAVY_BALL_BOUND

    @property
    def table_runs(self) -> tuple[Run, ...]:
        return (self.gd_ok, self.gd_bad, self.gd_c, self.mom_ok, self.mom_bad, self.mom_c)

    @property
    def mom_ok_peak(self) -> float:
        """The largest kappa * lambda_max momentum meets in its first ten steps just below its limit."""
        return max(self.mom_ok.kl(t) for t in range(1, 11))

    @property
    def momentum_limit_lower(self) -> bool:
        return self.mom_bad.lr < self.gd_bad.lr


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
    extent_entries: tuple[Entry, ...] = field(repr=False, compare=False)


def _by(entries: list[Entry], *keys: str) -> dict[Any, Entry]:
    return {tuple(e["config"][k] for k in keys) if len(keys) > 1 else e["config"][keys[0]]: e for e in entries}


def _line(entry: Entry) -> SweepLine:
    r = entry["result"]
    dist = tuple(float(d) if d is not None else math.nan for d in r["final_dist"])
    return SweepLine(entry["config"]["optimizer"], tuple(r["lrs"]), dist, tuple(s >= 0 for s in r["diverged_step"]),
                     entry)


@lru_cache(maxsize=4)
def load(read: Callable[[str], list[Entry]]) -> P1Findings:
    """Chapter 1's findings from the cache; ``read`` is :func:`hw7.store.loader.load` (a family never
    imports the store, which imports the families). Cached, so the chapter and the tests share one."""
    b = {k: Run.of(e) for k, e in _by(read("p1-b"), "optimizer").items()}
    c = {k: Run.of(e) for k, e in _by(read("p1-c"), "optimizer").items()}
    d = {k: Run.of(e) for k, e in _by(read("p1-d"), "optimizer").items()}
    sweep = {k: _line(e) for k, e in _by(read("p1-lr-sweep"), "optimizer").items()}
    variants = {(e["config"]["lr"], adam_variant_name(e["config"])): Run.of(e) for e in read("p1-adam-variants")}
    limits = {k: Run.of(e) for k, e in _by(read("p1-limits"), "optimizer", "lr").items()}

    init = (float(P1_INIT[0]), float(P1_INIT[1]))
    start_dist = float(np.hypot(init[0] - rosenbrock.MINIMUM[0], init[1] - rosenbrock.MINIMUM[1]))
    lam_min, lam_max = (float(v) for v in rosenbrock.hessian_eigenvalues(*rosenbrock.MINIMUM))
    valley = Valley(
        literal_at_10=float(rosenbrock.literal_homework_value(10.0, 100.0)),
        grad_across=float(np.hypot(*rosenbrock.gradient(1.0, 1.1))),
        grad_along=float(np.hypot(*rosenbrock.gradient(1.1, 1.1**2))),
        lam_max_star=lam_max, lam_min_star=lam_min,
        grad_start=float(np.hypot(*rosenbrock.gradient(*init))),
        lam_start=float(rosenbrock.hessian_eigenvalues(*init)[1]))

    part_b = PartB(gd=b["gd"], momentum=b["momentum"], adam=b["adam"],
                   momentum_max_y=float(np.max(b["momentum"].xy[:, 1])),
                   adam_early_step_k=float(np.median(_stored(b["adam"].entry, 0, 0.1)[0])) / b["adam"].lr,
                   start_dist=start_dist)

    rate_b, rate_d = P1_ADAM_VARIANT_LRS
    _, tail_xy = _stored(variants[(rate_b, "homework")].entry, 0.9, 1.0)
    tail_grad = float(np.median(np.hypot(*rosenbrock.gradient(tail_xy[:, 0], tail_xy[:, 1]))))
    part_v = Variants(rate_b=rate_b, rate_d=rate_d, runs=variants, tail_grad=tail_grad)

    mom_c_xy = c["momentum"].xy
    part_c = PartC(momentum=c["momentum"], adam=c["adam"], gd=limits[("gd", 1e-3)],
                   momentum_last_size=float(np.abs(mom_c_xy[-1]).max()), first_x=float(mom_c_xy[1, 0]),
                   first_lam=float(c["momentum"].entry["result"]["hess_eig_max"][1]),
                   adam_b_to_1e2=b["adam"].first_below["1e-2"])

    part_d = PartD(adam=d["adam"], momentum=d["momentum"], adam_b=b["adam"], momentum_limit=sweep["momentum"].limit)

    lrs = P1_SWEEP_LRS
    (gd_ok, gd_bad), (mom_ok, mom_bad) = P1_LIMIT_INDICES["gd"], P1_LIMIT_INDICES["momentum"]
    part_l = Limits(gd_ok=limits[("gd", lrs[gd_ok])], gd_bad=limits[("gd", lrs[gd_bad])],
                    mom_ok=limits[("momentum", lrs[mom_ok])], mom_bad=limits[("momentum", lrs[mom_bad])],
                    gd_c=limits[("gd", 1e-3)], mom_c=c["momentum"])

    return P1Findings(init=init, steps=P1_STEPS, sweep_lrs=tuple(lrs), valley=valley, b=part_b, variants=part_v,
                      c=part_c, d=part_d,
                      sweep=Sweep(gd=sweep["gd"], momentum=sweep["momentum"], adam=sweep["adam"], start_dist=start_dist),
                      limits=part_l, extent_entries=tuple(r.entry for r in part_b.runs))
