"""MNIST figures shared by Problems 2 and 3: learning curves per setting, final accuracy vs a knob."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from hw7.report.fmt import lr_short
from hw7.report.plots import DIVERGED_MARKER, band, color, label, lr_palette


def curves_by_lr(ax: plt.Axes, hist: pd.DataFrame, *, metric: str = "acc", band_kind: str = "minmax") -> None:
    """One line per learning rate (mean over seeds, band = min–max over seeds); diverged seeds marked."""
    lrs = sorted(hist["lr"].unique())
    palette = lr_palette(lrs)
    for lr in lrs:
        runs = hist[hist["lr"] == lr].pivot(index="run", columns="epoch", values=metric)
        epochs = runs.columns.to_numpy()
        values = runs.to_numpy(dtype=float)
        band(ax, epochs, values, color=palette[lr], label=lr_short(lr), kind=band_kind)
        for row in values:
            bad = np.flatnonzero(~np.isfinite(row))
            if bad.size:  # last finite value of a diverged seed, marked
                last = bad[0] - 1
                ax.scatter(epochs[max(last, 0)], row[last] if last >= 0 else 0.0, **{**DIVERGED_MARKER, "color": palette[lr], "s": 50})
    ax.set(xlabel="epoch", ylabel="test accuracy" if metric == "acc" else metric)


def lr_curves_pair(hists: dict[str, pd.DataFrame], *, zoom: tuple[float, float] | None = None) -> plt.Figure:
    """Learning curves per learning rate, one column per optimizer (shared y axes); with ``zoom``, a
    second row shows the same curves on that accuracy range, where the good rates crowd together."""
    rows = 2 if zoom else 1
    fig, axes = plt.subplots(rows, len(hists), figsize=(11, 4.0 * rows), sharey="row", squeeze=False,
                             layout="constrained")
    for col, (opt, hist) in enumerate(hists.items()):
        for row in range(rows):
            ax = axes[row, col]
            curves_by_lr(ax, hist)
            ax.set_ylim(*(zoom if row else (0.0, 1.0)))
            if row == 0:
                ax.set_title(label(opt))
            if col:
                ax.set_ylabel("")
    axes[0, -1].legend(title="learning rate", fontsize="x-small", title_fontsize="small", loc="lower right", ncols=2)
    return fig


def final_vs_lr(summaries: dict[str, pd.DataFrame], *, ylabel: str = "test accuracy after the last epoch") -> plt.Figure:
    """Mean final accuracy against the learning rate (bars: min–max over seeds), one line per optimizer."""
    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    for opt, s in summaries.items():
        s = s.sort_values("lr")
        ok = s["diverged"] == 0
        yerr = np.vstack([(s["mean"] - s["min"]).clip(lower=0), (s["max"] - s["mean"]).clip(lower=0)])
        ax.errorbar(s["lr"][ok], s["mean"][ok], yerr=yerr[:, ok.to_numpy()], color=color(opt), marker="o", ms=4,
                    capsize=3, label=label(opt))
        if (~ok).any():
            ax.scatter(s["lr"][~ok], np.zeros((~ok).sum()) + 0.02, **{**DIVERGED_MARKER, "color": color(opt), "s": 50},
                       label=f"{label(opt)}: a seed diverged")
    ax.set(xscale="log", xlabel="learning rate", ylabel=ylabel, ylim=(0, 1))
    ax.legend(fontsize="small", loc="lower left")
    return fig


def search_bars(table: pd.DataFrame, *, value: str = "mean", label_col: str = "id", ref: float | None = None,
                xlabel: str = "validation accuracy") -> plt.Figure:
    """A search's settings as points (mean over seeds) with min–max whiskers, best on top.

    Rows are labelled by ``label_col`` (the search ids; the table beside the figure says what each
    changed). ``ref`` (a target) is drawn as a dashed line, or noted at the edge when off the axis.
    """
    table = table.sort_values(value)
    fig, ax = plt.subplots(figsize=(6.5, 0.32 * len(table) + 1.3), layout="constrained")
    y = np.arange(len(table))
    ax.errorbar(table[value], y, xerr=[table[value] - table["min"], table["max"] - table[value]], fmt="o",
                color="black", ecolor="grey", capsize=2, lw=1, ms=4)
    ax.set_yticks(y, table[label_col])
    lo, hi = float(np.nanmin(table["min"])), float(np.nanmax(table["max"]))
    pad = 0.05 * (hi - lo)
    ax.set_xlim(lo - pad, hi + pad)
    if ref is not None:
        if lo - pad <= ref <= hi + pad:
            ax.axvline(ref, color="black", ls="--", lw=0.8, label=f"target {ref:.1%}")
            ax.legend(loc="lower right", fontsize="small")
        else:
            ax.annotate(f"target {ref:.1%} →", xy=(1, 0.02), xycoords="axes fraction", ha="right", fontsize="small")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.1f} %"))
    ax.set_xlabel(xlabel)
    return fig


def grad_ratio_curves(ax: plt.Axes, hists: dict[str, pd.DataFrame], colors: dict[str, tuple]) -> None:
    """The homework's gradient ratio (input-layer / output-layer weight-gradient norm) per epoch, log scale.

    ``hists`` maps a legend label to a history table of the seeds of one setting.
    """
    for name, hist in hists.items():
        runs = hist.pivot(index="run", columns="epoch", values="grad_ratio")
        band(ax, runs.columns.to_numpy(), runs.to_numpy(dtype=float), color=colors[name], label=name)
    ax.set(yscale="log", xlabel="epoch", ylabel="gradient ratio  ‖∇W₁‖ / ‖∇W_out‖")
    ax.axhline(1.0, color="grey", lw=0.8, ls=":")


def layer_norm_heatmaps(settings: dict[str, Sequence[dict]]) -> plt.Figure:
    """Mean (over seeds) weight-gradient norm of every layer in every epoch, one panel per setting,
    on one shared log colour scale so vanishing shows as a dark band at the input layers."""
    from matplotlib.colors import LogNorm

    grids = {}
    for name, entries in settings.items():
        stack = np.array([e["result"]["grad_norms"] for e in entries], dtype=float)  # seeds x epochs x layers
        grids[name] = np.nanmean(stack, axis=0).T  # layers x epochs
    finite = np.concatenate([g[np.isfinite(g) & (g > 0)] for g in grids.values()])
    norm = LogNorm(vmin=finite.min(), vmax=finite.max())
    fig, axes = plt.subplots(1, len(grids), figsize=(11, 3.8), sharey=True, layout="constrained", squeeze=False)
    for ax, (name, grid) in zip(axes[0], grids.items()):
        image = ax.imshow(grid, aspect="auto", origin="lower", norm=norm, cmap="viridis",
                          extent=(0.5, grid.shape[1] + 0.5, 0.5, grid.shape[0] + 0.5))
        ax.set(title=name, xlabel="epoch")
        ax.grid(False)
        ax.set_yticks(range(1, grid.shape[0] + 1))
    axes[0, 0].set_ylabel("layer (1 = input, last = output)")
    fig.colorbar(image, ax=axes[0].tolist(), label="‖∇W‖ (mean over the epoch's batches)")
    return fig
