"""Problem 1's learning-rate sweep and divergence limits as the chapter cites them.

Part of the chapter's findings (:mod:`hw7.findings.p1`); nothing here trains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from hw7.entry import Entry
from hw7.findings.p1_runs import Run
from hw7.problem1.experiments import P1_STEPS

#: the heavy-ball stability bound of the homework's momentum (0.9) on a quadratic: kappa * lambda < 2 (1 + 0.9)
HEAVY_BALL_BOUND = 2 * (1 + 0.9)
#: "usable" rate in the sweep: the run ends within this distance of (1, 1)
USABLE_DIST = 1e-2
#: a rate of the sweep ties with the best when its final distance is within this factor of the best one
TIE_FACTOR = 2.0



@dataclass(frozen=True)
class SweepLine:
    """One optimizer over the sweep's 41 rates: where it diverges, its best rate and its usable band."""

    optimizer: str
    lrs: tuple[float, ...]
    final_dist: tuple[float, ...]   # nan where the run diverged
    diverged: tuple[bool, ...]
    entry: Entry = field(repr=False, compare=False)

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

    lines: Mapping[str, SweepLine]       # optimizer -> its line, in the table's order
    start_dist: float

    def __getitem__(self, optimizer: str) -> SweepLine:
        return self.lines[optimizer]

    @property
    def grid_ratio(self) -> float:
        return self["gd"].lrs[1] / self["gd"].lrs[0]

    @property
    def adam_start_lr(self) -> float:
        """The smallest rate from which Adam ends within USABLE_DIST."""
        return min(self["adam"].usable)

    @property
    def adam_slow_lrs(self) -> tuple[float, ...]:
        """Rates below Adam's usable band."""
        return tuple(lr for lr in self["adam"].lrs if lr < self.adam_start_lr)

    @property
    def adam_slow_range(self) -> tuple[float, float]:
        """Smallest and largest final distance of Adam below its usable band."""
        d = self["adam"].at(0, max(self.adam_slow_lrs))
        return min(d), max(d)

    @property
    def adam_worst_below(self) -> bool:
        """At every rate below Adam's band, Adam ends further from (1, 1) than every other method."""
        for lr, da in zip(self["adam"].lrs, self["adam"].final_dist):
            if lr in self.adam_slow_lrs:
                others = [ln.final_dist[ln.lrs.index(lr)] for o, ln in self.lines.items() if o != "adam"]
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
        return self["adam"].final_dist[self["adam"].lrs.index(lr)]

    def adam_straight_line_error(self, max_lr: float = 1e-5) -> float:
        """Largest relative gap between Adam's final distance and start distance - sqrt(2) kappa N
        (a straight walk at sqrt(2) kappa per step) over the rates <= ``max_lr``."""
        gaps = [abs(d - (self.start_dist - math.sqrt(2) * lr * P1_STEPS)) / d
                for lr, d in zip(self["adam"].lrs, self["adam"].final_dist) if lr <= max_lr]
        return max(gaps)

    @property
    def adam_rises(self) -> int:
        """Within Adam's usable band, how often the final distance rises from one rate to the next."""
        d = [x for lr, x in zip(self["adam"].lrs, self["adam"].final_dist) if lr in self["adam"].usable]
        return sum(b > a for a, b in zip(d, d[1:]))

    @property
    def adam_falls(self) -> int:
        d = [x for lr, x in zip(self["adam"].lrs, self["adam"].final_dist) if lr in self["adam"].usable]
        return sum(b < a for a, b in zip(d, d[1:]))

    @property
    def adam_first_decade(self) -> float:
        """Median final distance of Adam over 1e-4 <= kappa <= 1e-3 (and the last decade, below)."""
        return float(np.median(self["adam"].at(1e-4, 1e-3)))

    @property
    def adam_last_decade(self) -> float:
        return float(np.median(self["adam"].at(1e-2, 1e-1)))


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



def sweep_line(entry: Entry) -> SweepLine:
    """One optimizer's line of the cached sweep."""
    r = entry["result"]
    dist = tuple(float(d) if d is not None else math.nan for d in r["final_dist"])
    return SweepLine(entry["config"]["optimizer"], tuple(r["lrs"]), dist, tuple(s >= 0 for s in r["diverged_step"]),
                     entry)


