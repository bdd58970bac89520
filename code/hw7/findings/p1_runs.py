"""Problem 1's trajectories as the chapter cites them: one cached run, and the Adam variants.

Part of the chapter's findings (:mod:`hw7.findings.p1`); nothing here trains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from hw7.entry import Entry
from hw7.problem1.experiments import P1_ADAM_VARIANTS, P1_STEPS
from hw7.problem1.optimizers import label


@dataclass(frozen=True)
class Run:
    """One cached trajectory as the chapter cites it (the entry rides along for the figures)."""

    optimizer: str
    lr: float
    final_dist: float
    first_below: Mapping[str, int]          # tolerance "1e-2" -> first step within it (-1: never)
    tail_dist_min: float                    # distance to (1, 1) over the last 10 % of the steps
    tail_dist_max: float
    tail_dist_median: float                 # over every step of the last 10 % (steadier than the final
                                            # distance, one moment of a wandering iterate)
    tail_step_median: float                 # step length over the last 10 % of the steps
    tail_step_max: float
    diverged_step: int                      # -1: never diverged
    entry: Entry = field(repr=False, compare=False)

    @classmethod
    def of(cls, entry: Entry) -> "Run":
        r, c = entry["result"], entry["config"]
        return cls(c["optimizer"], c["lr"], r["final_dist"], dict(r["first_step_below"]), r["tail_dist_min"],
                   r["tail_dist_max"], r["tail_dist_median"], r["tail_step_median"], r["tail_step_max"],
                   r["diverged_step"], entry)

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
    def s_hat_over_eps(self) -> tuple[float, float]:
        """Adam's bias-corrected second moment per coordinate (x, y), median over the last 10 % of the
        steps, as a multiple of the homework's eps: what eps inside the square root is added to."""
        sx, sy = self.entry["result"]["s_hat_tail_median"]
        eps = P1_ADAM_VARIANTS["homework"].get("eps", 1e-8)
        return sx / eps, sy / eps

    @property
    def eps_effect(self) -> float:
        """How much eps inside the root changes sqrt(s_hat) at that median, in the coordinate where s_hat is
        smaller (a fraction): sqrt(s_hat + eps) / sqrt(s_hat) - 1."""
        return math.sqrt(1 + 1 / min(self.s_hat_over_eps)) - 1


def stored(entry: Entry, lo: float, hi: float, name: str = "step_len") -> tuple[np.ndarray, np.ndarray]:
    """A stored result list (and the iterates) at the stored steps t with lo <= t / steps <= hi, t >= 1."""
    r = entry["result"]
    st = np.asarray(r["steps"])
    keep = (st >= 1) & (st >= lo * P1_STEPS) & (st <= hi * P1_STEPS)
    return np.asarray(r[name], dtype=float)[keep], np.asarray(r["xy"], dtype=float)[keep]


@dataclass(frozen=True)
class Variants:
    """Why Adam wanders: the homework's Adam against three variants (eps placement, eps = 0, beta2 = 0.999).

    The eps variants answer "is eps the cause?"; standard Adam shows what the longer second-moment
    memory does. ``eps_*`` ranges cover the three beta2 = 0.99 variants, ``all_tail_max`` all four.
    """

    rate_b: float
    rate_d: float
    runs: Mapping[tuple[float, str], Run]

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

    @property
    def eps_factor(self) -> float:
        """Largest ratio of late excursions among the eps variants, over both rates."""
        return max(hi / lo for hi, lo in (self.eps_tail_max(lr)[::-1] for lr in (self.rate_b, self.rate_d)))

    def beta2_gain(self, lr: float) -> float:
        """How many times closer standard Adam stays than the homework's (median distance, last 10 %)."""
        return self.run(lr, "homework").tail_dist_median / self.run(lr, "standard").tail_dist_median

    def beta2_slowdown(self, lr: float) -> float:
        """How many times later standard Adam first gets within 1e-2 than the homework's Adam."""
        return self.run(lr, "standard").first_below["1e-2"] / self.run(lr, "homework").first_below["1e-2"]

    def beta2_step_gain(self, lr: float) -> float:
        """How many times shorter standard Adam's median late step is than the homework's."""
        return self.run(lr, "homework").tail_step_median / self.run(lr, "standard").tail_step_median


