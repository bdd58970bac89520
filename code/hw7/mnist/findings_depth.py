"""Problem 3(c), depth searched: what the validation runs of ``p3-c-depth`` say, as typed findings.

The chapter cites these fields and draws :func:`hw7.mnist.figures_depth.depth_figure` from them;
``tests/test_claims_depth.py`` pins each sentence about depth to the same object. Comparisons follow
the report's rules: Welch's two-sided test at 5 % between seed groups, Holm's correction when the
best depth of a budget meets every other depth of that budget, and a tie where the best cannot be
separated from another depth.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Sequence

from hw7.mnist import experiments as mx
from hw7.report import claims

ALPHA = 0.05


@dataclass(frozen=True)
class DepthCell:
    """One net of the search (a depth at a budget) over its seeds."""

    budget: int
    depth: int
    sizes: tuple[int, ...]
    params: int
    accs: tuple[float, ...]           # final validation accuracy of each seed
    curves: tuple[tuple[float, ...], ...]  # validation accuracy per epoch, one row per seed

    @property
    def mean(self) -> float:
        return statistics.fmean(self.accs)

    @property
    def sd(self) -> float:
        return statistics.stdev(self.accs)

    @property
    def widths(self) -> str:
        return "-".join(map(str, self.sizes))


@dataclass(frozen=True)
class BudgetVerdict:
    """The best depth of one budget against each other depth (Welch p, Holm-adjusted)."""

    budget: int
    best: DepthCell
    p_holm: dict[int, float]          # other depth -> adjusted p against the best

    @property
    def tied(self) -> tuple[int, ...]:
        """Depths the rule cannot separate from the best (the best included), in depth order."""
        return tuple(sorted([self.best.depth] + [d for d, p in self.p_holm.items() if p >= ALPHA]))

    @property
    def worse(self) -> tuple[int, ...]:
        return tuple(sorted(d for d, p in self.p_holm.items() if p < ALPHA))


@dataclass(frozen=True)
class DepthFindings:
    cells: tuple[DepthCell, ...]
    by_budget: dict[int, BudgetVerdict]
    epochs: int
    budgets: tuple[int, ...]
    depths: tuple[int, ...]
    chosen: DepthCell                 # the registry's choice (P3C_DEPTH_CHOICE), tested on the test set
    test_accs: tuple[float, ...]      # its test accuracy, 3 seeds, trained on all 60,000 images

    @property
    def chosen_is_best(self) -> bool:
        """The choice is the net with the best mean validation accuracy (what the registry promises)."""
        return self.chosen is self.overall_best

    @property
    def test_mean(self) -> float:
        return statistics.fmean(self.test_accs)

    @property
    def test_sd(self) -> float:
        return statistics.stdev(self.test_accs)

    def cell(self, budget: int, depth: int) -> DepthCell:
        return next(c for c in self.cells if c.budget == budget and c.depth == depth)

    @property
    def large(self) -> int:
        return max(self.budgets)

    @property
    def small(self) -> int:
        return min(self.budgets)

    def gain(self, budget: int, depth: int, over: int = 1) -> float:
        """Mean validation accuracy of ``depth`` minus that of ``over`` at ``budget``."""
        return self.cell(budget, depth).mean - self.cell(budget, over).mean

    def p(self, budget: int, a: int, b: int) -> float:
        """Welch p between two depths of one budget (unadjusted)."""
        return claims.welch(self.cell(budget, a).accs, self.cell(budget, b).accs).p

    @property
    def overall_best(self) -> DepthCell:
        return max(self.cells, key=lambda c: c.mean)


def holm(ps: dict[Any, float]) -> dict[Any, float]:
    """Holm's step-down adjustment: the k-th smallest p times (m - k + 1), kept monotone, capped at 1."""
    order = sorted(ps, key=ps.get)
    m, running, out = len(order), 0.0, {}
    for k, key in enumerate(order):
        running = max(running, min(1.0, (m - k) * ps[key]))
        out[key] = running
    return out


def _cells(entries: Sequence[dict[str, Any]]) -> tuple[DepthCell, ...]:
    cells = []
    for budget in mx.P3C_DEPTH_BUDGETS:
        for depth in mx.P3C_DEPTHS:
            sizes = mx.narrowing_sizes(depth, budget)
            mine = [e for e in entries if e["config"]["sizes"] == sizes]
            cells.append(DepthCell(budget, depth, tuple(sizes), int(mine[0]["result"]["params"]),
                                   tuple(float(e["result"]["eval_acc"][-1]) for e in mine),
                                   tuple(tuple(map(float, e["result"]["eval_acc"])) for e in mine)))
    return tuple(cells)


def _verdict(cells: Sequence[DepthCell], budget: int) -> BudgetVerdict:
    mine = [c for c in cells if c.budget == budget]
    best = max(mine, key=lambda c: c.mean)
    raw = {c.depth: claims.welch(best.accs, c.accs).p for c in mine if c is not best}
    return BudgetVerdict(budget, best, holm(raw))


def from_entries(entries: Sequence[dict[str, Any]], final: Sequence[dict[str, Any]] = ()) -> DepthFindings:
    """The findings of ``p3-c-depth``'s cache entries and of ``p3-c-depth-final``'s (the store's loader
    passes them in; without the final runs the test accuracies are empty)."""
    cells = _cells(entries)
    chosen = next(c for c in cells if (c.budget, c.depth) == mx.P3C_DEPTH_CHOICE)
    return DepthFindings(cells, {b: _verdict(cells, b) for b in mx.P3C_DEPTH_BUDGETS},
                         int(mx.P3C_DEPTH_RECIPE["epochs"]), tuple(mx.P3C_DEPTH_BUDGETS), tuple(mx.P3C_DEPTHS),
                         chosen, tuple(float(e["result"]["eval_acc"][-1]) for e in final))
