"""Problem 3(c)'s depth figure: validation accuracy against depth at two parameter budgets.

It draws a :class:`hw7.findings.depth.Depth` (passed in: families never import the findings).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from hw7.present import plots

_BUDGET_COLORS = sns.color_palette("colorblind", 10)


def _pct(ax: plt.Axes) -> None:
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.1f} %"))


def depth_figure(f: Any) -> plt.Figure:
    """Left: last-epoch validation accuracy (mean ± 1 sd over seeds; dots: seeds) against the number
    of hidden layers, one line per budget. Right: the large budget's validation curves by depth."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.6), layout="constrained")
    for i, budget in enumerate(f.budgets):
        cells = [budget.cells[d] for d in f.depths]
        x = np.array(f.depths, dtype=float) + (i - 0.5) * 0.12
        left.errorbar(x, [c.val.mean for c in cells], yerr=[c.val.sd for c in cells], color=_BUDGET_COLORS[i],
                      marker="o", ms=4, capsize=3, lw=1.5, label=f"≈ {budget.budget // 1000}k parameters")
        for xi, c in zip(x, cells):
            left.scatter(np.full(c.val.n, xi + 0.05), c.val.values, s=8, color=_BUDGET_COLORS[i], alpha=0.5, lw=0)
    left.set_xticks(list(f.depths))
    left.set_xlabel("hidden layers (widths narrow towards the 10 outputs)")
    left.set_ylabel("validation accuracy, last epoch")
    _pct(left)
    left.legend(loc="center right", frameon=True)

    large = f.large
    palette = sns.color_palette("viridis", len(f.depths))
    lo = 1.0
    for color, depth in zip(palette, f.depths):
        runs = large.cells[depth].curves
        plots.band(right, np.arange(1, runs.shape[1] + 1), runs, color=color, label=str(depth))
        lo = min(lo, float(runs[:, 2:].min()))
    right.set_ylim(lo - 0.001, None)
    right.set_xlabel("epoch")
    right.set_ylabel("validation accuracy")
    right.set_title(f"≈ {large.budget // 1000}k parameters (mean, min–max of 3 seeds)", fontsize="small")
    _pct(right)
    right.legend(title="hidden layers", ncols=3, loc="lower right", frameon=True)
    return fig
