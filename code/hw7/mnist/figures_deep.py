"""Problem 3's two-panel figures (one panel per learning rate): gradient ratio and test accuracy.

Moved out of the chapter so that it holds no plotting code; both take each activation's history
table (:func:`hw7.mnist.tables.history`) of the deep network at every rate.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import PercentFormatter

from hw7.mnist.figures import grad_ratio_curves
from hw7.present.fmt import lr as lr_text
from hw7.present.plots import ACTIVATION_COLORS, MAX_WIDTH_IN, band

#: activation -> how the figures name the network
NAMES = {"sigmoid": "sigmoid + Xavier", "relu": "ReLU + Kaiming"}


def _panels() -> tuple[plt.Figure, Sequence[plt.Axes]]:
    fig, axes = plt.subplots(1, 2, figsize=(MAX_WIDTH_IN, 3.6), sharey=True, layout="constrained")
    return fig, axes


def ratio_panels(hists: dict[str, pd.DataFrame], lrs: Sequence[float]) -> plt.Figure:
    """The homework's gradient ratio per epoch, one panel per rate, one band per activation (log axis)."""
    fig, axes = _panels()
    for ax, lr in zip(axes, lrs):
        curves = {NAMES[a]: h[h["lr"] == lr] for a, h in hists.items()}
        grad_ratio_curves(ax, curves, {NAMES[a]: ACTIVATION_COLORS[a] for a in hists})
        ax.set_title(f"learning rate {lr_text(lr)}")
        ax.legend()
    axes[0].set_ylabel("gradient ratio: ‖∇W‖ of the input\nlayer / of the output layer")
    axes[1].set_ylabel("")
    return fig


def accuracy_panels(hists: dict[str, pd.DataFrame], lrs: Sequence[float]) -> plt.Figure:
    """Test accuracy per epoch, one panel per rate, one band (min–max over seeds) per activation."""
    fig, axes = _panels()
    for ax, lr in zip(axes, lrs):
        for act, h in hists.items():
            runs = h[h["lr"] == lr].pivot(index="run", columns="epoch", values="acc")
            band(ax, runs.columns.to_numpy(), runs.to_numpy(dtype=float), color=ACTIVATION_COLORS[act], label=NAMES[act])
        ax.set(title=f"learning rate {lr_text(lr)}", xlabel="epoch", ylabel="test accuracy", ylim=(0, 1))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))  # in %, as the other figures
        ax.legend(loc="center right")
    axes[1].set_ylabel("")
    return fig
