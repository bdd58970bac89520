"""The long runs on distorted data: test-accuracy curves against their controls and the literature.

It draws a :class:`hw7.findings.records.Record` (passed in: families never import the findings).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.ticker import MultipleLocator

from hw7.present import plots

_CB = sns.color_palette("colorblind", 10)
#: distorted run, its no-distortion control, the earlier shorter distorted run, a first long run
COLORS = {"final": _CB[0], "control": _CB[3], "earlier": _CB[7], "first": _CB[2]}


def record_curves(rec: Any) -> plt.Figure:
    """Test accuracy per epoch (mean and min–max over seeds) of a long distorted run, its control, the
    earlier shorter run and a first long run where there is one, against the literature's results
    (dotted lines): the runs meet the published results directly."""
    fig, ax = plt.subplots(figsize=(8.0, 4.0), layout="constrained")
    labels = {"earlier": "earlier run on distorted data, {} epochs, rate cut in steps",
              "control": "long run's control: original images, {} epochs",
              "first": "first long run on distorted data, {} epochs", "final": "long run on distorted data, {} epochs"}
    for key, group in _drawn(rec):
        plots.band(ax, np.arange(1, group.epochs + 1), group.curves, color=COLORS[key],
                   label=labels[key].format(group.epochs))
    # each published result is named where it is drawn, at the left
    for lit in rec.literature:
        ax.axhline(lit.accuracy, color="black", ls=":", lw=1)
        ax.annotate(f"{lit.source}, {lit.net}: {100 * lit.accuracy:.2f} %", (0.01, lit.accuracy),
                    xycoords=("axes fraction", "data"), xytext=(0, 2), textcoords="offset points",
                    va="bottom", fontsize="small")
    top = max(lit.accuracy for lit in rec.literature)
    ax.set_ylim(y_floor(rec), top + 0.0015)
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy")
    ax.yaxis.set_major_locator(MultipleLocator(0.005))  # every half point, so one decimal labels each tick exactly
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.1f} %"))
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    return fig


#: the epochs the y-axis may leave off the chart: the first ones, far below where the runs end
SKIPPED_EPOCHS = 9


def y_floor(rec: Any) -> float:
    """The y-axis' lower end: 0.1 points under the lowest mean-over-seeds accuracy after the first
    :data:`SKIPPED_EPOCHS` epochs, so the published lines near the top stay apart."""
    return min(float(g.curves.mean(axis=0)[SKIPPED_EPOCHS:].min()) for _, g in _drawn(rec)) - 0.001


def _drawn(rec: Any) -> list[tuple[str, Any]]:
    """The record's groups that the figure draws, in drawing order (a first long run only where there is one)."""
    return [(k, getattr(rec, k)) for k in ("earlier", "control", "first", "final") if getattr(rec, k) is not None]
