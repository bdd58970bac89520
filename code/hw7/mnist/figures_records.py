"""The long runs on distorted data: test-accuracy curves against their controls and the literature."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from hw7.mnist.findings_records import Record
from hw7.report import plots

_CB = sns.color_palette("colorblind", 10)
#: distorted run, its no-distortion control, the earlier shorter distorted run
COLORS = {"final": _CB[0], "control": _CB[3], "earlier": _CB[7]}


def _panel(ax: plt.Axes, rec: Record, title: str) -> None:
    for key, label in (("earlier", f"earlier: distorted, {rec.earlier.epochs} epochs"),
                       ("control", f"control: no distortions, {rec.control.epochs} epochs"),
                       ("final", f"distorted, {rec.final.epochs} epochs")):
        g = getattr(rec, key)
        runs = np.array(g.curves, dtype=float)
        plots.band(ax, np.arange(1, runs.shape[1] + 1), runs, color=COLORS[key], label=label)
    ax.axhline(rec.target, color="black", ls="--", lw=1, label=f"target {100 * rec.target:.2f} %")
    for lit in rec.literature:
        if lit.accuracy != rec.target:
            ax.axhline(lit.accuracy, color="black", ls=":", lw=1, label=f"{lit.source}: {100 * lit.accuracy:.2f} %")
    ax.set_ylim(max(rec.control.curves[0][0] - 0.002, 0.975), max(l.accuracy for l in rec.literature) + 0.0015)
    ax.set_xlabel("epoch")
    if title:
        ax.set_title(title, fontsize="small")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.1f} %"))


def record_curves(rec: Record) -> plt.Figure:
    """Test accuracy per epoch (mean and min–max of 3 seeds) of a long distorted run, its control and
    the earlier shorter run, with the target and the literature's results as horizontal lines."""
    fig, ax = plt.subplots(figsize=(8.0, 4.0), layout="constrained")
    _panel(ax, rec, "")
    ax.set_ylabel("test accuracy")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right center", fontsize="small", frameon=False)
    return fig
