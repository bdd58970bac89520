"""Problem 3(c), depth searched: what ``p3-c-depth`` and ``p3-c-depth-final`` say, as typed findings.

Nets with 1-6 hidden layers (widths narrowing towards the 10 outputs) at two parameter budgets, one
recipe, 3 seeds on the validation split (:func:`hw7.mnist.experiments.problem3_depth`). Every net
trains the same seeds, so within a budget the depths are ranked by the book's one rule for a best
among settings that share seeds (:func:`hw7.present.stats.best_paired`: each depth − the highest mean,
paired by seed, Holm-corrected over the other depths); a depth that rule cannot separate from the top
ties with it. Across budgets, each depth is compared with itself, paired, Holm over the depths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hw7.findings import source
from hw7.findings.common import Band, Entry, last_acc, last_of, pm
from hw7.mnist import experiments as mx
from hw7.present import stats


@dataclass(frozen=True)
class DepthCell:
    """One net of the search (a depth at a budget) over its seeds."""

    budget: int
    depth: int
    sizes: tuple[int, ...]
    params: int
    val: Band
    train_loss: Band    # last epoch's mean training loss of each seed
    curves: np.ndarray  # validation accuracy, seeds x epochs

    @property
    def widths(self) -> str:
        return "-".join(map(str, self.sizes))


@dataclass(frozen=True)
class Budget:
    """One budget's nets, the depth with the highest mean (``best``) and each other depth against it
    (paired by seed, Holm-corrected: the rule of :func:`hw7.present.stats.best_paired`)."""

    budget: int
    cells: dict[int, DepthCell]
    best: int                              # the highest mean; a clear best only if ``tied`` is (best,)
    holm: dict[int, stats.Paired]         # other depth − the best, paired by seed, Holm-corrected over the depths

    @property
    def tied(self) -> tuple[int, ...]:
        """Depths the rule cannot separate from the highest mean (that one included), in depth order."""
        return tuple(sorted([self.best] + [d for d, v in self.holm.items() if not v.significant]))

    @property
    def is_tie(self) -> bool:
        return len(self.tied) > 1

    @property
    def holm_worse(self) -> tuple[int, ...]:
        """Depths still clearly below the highest mean after Holm's correction over the budget's depths."""
        return tuple(sorted(d for d, v in self.holm.items() if v.sign < 0))

    @property
    def top(self) -> DepthCell:
        return self.cells[self.best]

    @property
    def spread(self) -> float:
        """Best mean minus worst mean over the depths (a fraction)."""
        means = [c.val.mean for c in self.cells.values()]
        return max(means) - min(means)


@dataclass(frozen=True)
class Depth:
    small: Budget
    large: Budget
    depths: tuple[int, ...]
    epochs: int
    recipe: dict[str, object]
    budget_gain: dict[int, stats.Paired]   # depth -> large budget − small, paired by seed, Holm over the depths
    choice: tuple[int, int]                 # (budget, depth) tested on the test set
    test: Band

    @property
    def budgets(self) -> tuple[Budget, Budget]:
        return (self.small, self.large)

    @property
    def chosen(self) -> DepthCell:
        budget = self.large if self.choice[0] == self.large.budget else self.small
        return budget.cells[self.choice[1]]

    @property
    def chosen_is_best(self) -> bool:
        """The tested net is the search's best mean (what the registry promises)."""
        best = max((b.cells[b.best] for b in self.budgets), key=lambda c: c.val.mean)
        return best is self.chosen

    @property
    def max_train_loss(self) -> float:
        """The largest last-epoch training loss of any seed of any net: how closely every net fits."""
        return max(max(c.train_loss.values) for b in self.budgets for c in b.cells.values())

    @property
    def max_budget_p(self) -> float:
        """The largest Holm-corrected p of the budget comparisons (every depth, large against small budget)."""
        return max(v.p for v in self.budget_gain.values())

    @property
    def max_budget_p_raw(self) -> float:
        """The largest uncorrected p of the budget comparisons."""
        return max(v.p if v.p_raw is None else v.p_raw for v in self.budget_gain.values())

    @property
    def min_budget_gain(self) -> float:
        return min(v.diff for v in self.budget_gain.values())

    @property
    def max_budget_gain(self) -> float:
        return max(v.diff for v in self.budget_gain.values())

    def table(self) -> pd.DataFrame:
        """Every net of the search: budget, depth, widths, parameters, validation accuracy (%)."""
        rows = []
        for b in self.budgets:
            for d, c in b.cells.items():
                v = b.holm.get(d)
                rows.append({"budget": f"{b.budget // 1000}k", "hidden layers": d, "widths": c.widths,
                             "parameters": f"{c.params:,}", "val. accuracy (%)": pm(c.val),
                             "vs highest mean of budget (paired, Holm p)": "highest mean" if v is None
                             else stats.p_value(v.p)})
        return pd.DataFrame(rows)


def _cell(budget: int, depth: int, entries: list[Entry]) -> DepthCell:
    sizes = mx.narrowing_sizes(depth, budget)
    mine = [e for e in entries if e["config"]["sizes"] == sizes]
    return DepthCell(budget, depth, tuple(sizes), int(mine[0]["result"]["params"]), last_acc(mine),
                     last_of(mine, "train_loss"), np.array([e["result"]["eval_acc"] for e in mine], dtype=float))


def _budget(budget: int, entries: list[Entry]) -> Budget:
    cells = {d: _cell(budget, d, entries) for d in mx.P3C_DEPTHS}
    seeds = {d: c.val.by_seed for d, c in cells.items()}
    rank = stats.best_paired(seeds)
    holm = stats.paired_against_control(seeds[rank.top], {d: v for d, v in seeds.items() if d != rank.top})
    assert {rank.top} | {d for d, v in holm.items() if not v.significant} == set(rank.tied)
    return Budget(budget, cells, rank.top, holm)


def load() -> Depth:
    """The depth search and its chosen net's test runs, from the committed cache."""
    entries = source.entries("p3-c-depth")
    small, large = (_budget(b, entries) for b in sorted(mx.P3C_DEPTH_BUDGETS))
    gain = stats.holm_family({d: stats.paired(large.cells[d].val.by_seed, small.cells[d].val.by_seed)
                              for d in mx.P3C_DEPTHS})
    return Depth(small=small, large=large, depths=tuple(mx.P3C_DEPTHS), epochs=int(mx.P3C_DEPTH_RECIPE["epochs"]),
                 recipe=dict(mx.P3C_DEPTH_RECIPE), budget_gain=gain, choice=mx.P3C_DEPTH_CHOICE,
                 test=last_acc(source.entries("p3-c-depth-final")))
