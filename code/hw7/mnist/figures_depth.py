"""Problem 3(c)'s depth figure: validation accuracy against depth at two parameter budgets."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from hw7.mnist.findings_depth import DepthFindings
from hw7.report import plots

_BUDGET_COLORS = sns.color_palette("colorblind", 10)


def _budget_label(budget: int) -> str:
    return f"≈ {budget // 1000}k parameters"


def depth_figure(f: DepthFindings) -> plt.Figure:
    """Left: final validation accuracy (mean ± 1 sd over seeds, each seed a dot) against the number of
    hidden layers, one line per budget. Right: the large budget's validation curves per depth."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.6), layout="constrained")
    for i, budget in enumerate(f.budgets):
        color = _BUDGET_COLORS[i]
        cells = [f.cell(budget, d) for d in f.depths]
        means = np.array([c.mean for c in cells])
        sds = np.array([c.sd for c in cells])
        x = np.array(f.depths, dtype=float) + (i - 0.5) * 0.12
        left.errorbar(x, means, yerr=sds, color=color, marker="o", ms=4, capsize=3, lw=1.5,
                      label=_budget_label(budget))
        for xi, c in zip(x, cells):
            left.scatter(np.full(len(c.accs), xi + 0.05), c.accs, s=8, color=color, alpha=0.5, lw=0)
    left.set_xticks(list(f.depths))
    left.set_xlabel("hidden layers (widths narrow towards the 10 outputs)")
    left.set_ylabel("validation accuracy, last epoch")
    left.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.1f} %"))
    left.legend(loc="lower center", frameon=True)

    budget = f.large
    palette = sns.color_palette("viridis", len(f.depths))
    for color, depth in zip(palette, f.depths):
        cell = f.cell(budget, depth)
        runs = np.array(cell.curves, dtype=float)
        plots.band(right, np.arange(1, runs.shape[1] + 1), runs, color=color, label=str(depth), kind="minmax")
    right.set_xlabel("epoch")
    right.set_ylabel("validation accuracy")
    right.set_title(f"{_budget_label(budget)}: mean and min–max of 3 seeds", fontsize="small")
    lo = min(min(min(r[2:]) for r in f.cell(budget, d).curves) for d in f.depths)
    right.set_ylim(lo - 0.002, None)
    right.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.1f} %"))
    right.legend(title="hidden layers", ncols=3, loc="lower right", frameon=True)
    return fig
