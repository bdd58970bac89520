"""MNIST figures shared by Problems 2 and 3: learning curves per setting, final accuracy vs a knob."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .plots import DIVERGED_MARKER, band, color, fmt_lr, label, lr_palette


def curves_by_lr(ax: plt.Axes, hist: pd.DataFrame, *, metric: str = "acc", band_kind: str = "minmax") -> None:
    """One line per learning rate (mean over seeds, band = min–max over seeds); diverged seeds marked."""
    lrs = sorted(hist["lr"].unique())
    palette = lr_palette(lrs)
    for lr in lrs:
        runs = hist[hist["lr"] == lr].pivot(index="run", columns="epoch", values=metric)
        epochs = runs.columns.to_numpy()
        values = runs.to_numpy(dtype=float)
        band(ax, epochs, values, color=palette[lr], label=fmt_lr(lr), kind=band_kind)
        for row in values:
            bad = np.flatnonzero(~np.isfinite(row))
            if bad.size:  # last finite value of a diverged seed, marked
                last = bad[0] - 1
                ax.scatter(epochs[max(last, 0)], row[last] if last >= 0 else 0.0, **{**DIVERGED_MARKER, "color": palette[lr], "s": 50})
    ax.set(xlabel="epoch", ylabel="test accuracy" if metric == "acc" else metric)


def lr_curves_pair(hists: dict[str, pd.DataFrame], *, ylim: tuple[float, float] = (0.0, 1.0)) -> plt.Figure:
    """Side-by-side learning curves per learning rate, one panel per optimizer, shared y axis."""
    fig, axes = plt.subplots(1, len(hists), figsize=(11, 4.3), sharey=True, layout="constrained")
    axes = np.atleast_1d(axes)
    for ax, (opt, hist) in zip(axes, hists.items()):
        curves_by_lr(ax, hist)
        ax.set_title(label(opt))
        ax.set_ylim(*ylim)
    axes[-1].legend(title="learning rate", fontsize="x-small", title_fontsize="small", loc="lower right", ncols=2)
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


def search_bars(table: pd.DataFrame, *, value: str = "mean", label_col: str = "change", ref: float | None = None,
                xlabel: str = "validation accuracy") -> plt.Figure:
    """Horizontal bars of a search's settings (mean over seeds, whiskers min–max), best on top."""
    table = table.sort_values(value)
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(table) + 1.2), layout="constrained")
    y = np.arange(len(table))
    ax.barh(y, table[value], color="#999999")
    if {"min", "max"} <= set(table.columns):
        ax.errorbar(table[value], y, xerr=[table[value] - table["min"], table["max"] - table[value]], fmt="none",
                    ecolor="black", capsize=2, lw=0.8)
    ax.set_yticks(y, table[label_col])
    lo = np.nanmin(table["min"] if "min" in table else table[value])
    ax.set_xlim(max(0.0, lo - 0.01), min(1.0, np.nanmax(table[value]) + 0.005))
    if ref is not None:
        ax.axvline(ref, color="black", ls="--", lw=0.8)
    ax.set_xlabel(xlabel)
    return fig
