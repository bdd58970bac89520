"""MNIST figures shared by Problems 2 and 3: learning curves per setting, final accuracy vs a knob."""

from __future__ import annotations

import textwrap
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from hw7.entry import Entry
from hw7.mnist.tables import history, plain_change
from hw7.present.fmt import lr as lr_text
from hw7.present.fmt import lr_short
from hw7.present.plots import DIVERGED_MARKER, MAX_WIDTH_IN, band, color, label, lr_palette


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
                y = row[last] if last >= 0 else 0.0
                ax.scatter(epochs[max(last, 0)], y, **{**DIVERGED_MARKER, "color": palette[lr], "s": 50})
    ax.set(xlabel="epoch", ylabel="test accuracy" if metric == "acc" else metric)


def _logit_accuracy_axis(ax: plt.Axes, lo: float = 0.05, hi: float = 0.995) -> None:
    """Accuracy on a logit scale: chance (10 %) and 98 % are both readable on one axis."""
    ax.set_yscale("logit")
    ax.set_ylim(lo, hi)
    ticks = [t for t in (0.1, 0.5, 0.9, 0.95, 0.98, 0.99) if lo <= t <= hi]
    ax.set_yticks(ticks, [f"{100 * t:g} %" for t in ticks])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())


def lr_curves_pair(hists: dict[str, pd.DataFrame], *, baseline: float | None = None, ncols: int = 5) -> plt.Figure:
    """Small multiples: one panel per learning rate, each with every optimizer's learning curve
    (mean over seeds, band min–max), accuracy on a logit scale. The panel of the ``baseline`` rate
    is framed; each optimizer's rate with the highest mean final accuracy is named in its panel ("highest
    mean", not "best": the rule may tie it with other rates)."""
    lrs = sorted(set().union(*(set(h["lr"].unique()) for h in hists.values())))
    best = {}
    for opt, hist in hists.items():
        last = hist[hist["epoch"] == hist["epoch"].max()].groupby("lr")["acc"].mean()
        best[opt] = float(last.idxmax())
    nrows = -(-len(lrs) // ncols)
    # tall panels and an axis from 8 % to 99 %: chance (10 %) stays on the axis, while the 90–99 % band,
    # where most curves run, gets about a third of each panel's height
    fig, axes = plt.subplots(nrows, ncols, figsize=(MAX_WIDTH_IN, 2.8 * nrows + 0.5), sharex=True, sharey=True,
                             squeeze=False, layout="constrained")
    for ax, lr in zip(axes.flat, lrs):
        for opt, hist in hists.items():
            runs = hist[hist["lr"] == lr].pivot(index="run", columns="epoch", values="acc")
            if runs.empty:
                continue
            values = runs.to_numpy(dtype=float)
            band(ax, runs.columns.to_numpy(), np.clip(values, 0.081, 0.989), color=color(opt), label=label(opt))
            bad = ~np.isfinite(values).all(axis=1)
            if bad.any():  # a seed whose loss became non-finite: X at its last finite epoch
                for row in values[bad]:
                    last = max(int(np.flatnonzero(np.isfinite(row))[-1]) if np.isfinite(row).any() else 0, 0)
                    ax.scatter(runs.columns[last], np.clip(row[last], 0.09, 0.985),
                               **{**DIVERGED_MARKER, "color": color(opt), "s": 40})
        _logit_accuracy_axis(ax, lo=0.08, hi=0.99)
        title = lr_text(lr) if baseline is None or lr != baseline else f"{lr_text(lr)} (homework)"
        ax.set_title(title, fontweight="bold" if lr == baseline else "normal")
        if lr == baseline:
            for spine in ax.spines.values():
                spine.set(edgecolor="black", linewidth=1.8)
        winners = [opt for opt, b in best.items() if b == lr]
        for k, opt in enumerate(winners):
            ax.text(0.97, 0.06 + 0.2 * k, f"highest mean\n{label(opt).split(' (')[0]}", transform=ax.transAxes, ha="right",
                    color=color(opt), fontweight="bold", fontsize="small")
    for ax in axes.flat[len(lrs):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    for ax in axes[:, 0]:
        ax.set_ylabel("test accuracy")
    handles = [plt.Line2D([], [], color=color(opt), lw=2, label=label(opt)) for opt in hists]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    return fig


def final_vs_lr(summaries: dict[str, pd.DataFrame], *, ylabel: str = "test accuracy after the last epoch",
                baseline: float | None = None) -> plt.Figure:
    """Mean final accuracy against the learning rate (bars: min–max over seeds), one line per optimizer,
    on a logit accuracy axis; each optimizer's highest mean is circled and the ``baseline`` rate marked."""
    fig, ax = plt.subplots(figsize=(7.5, 4.4), layout="constrained")
    for opt, s in summaries.items():
        s = s.sort_values("lr")
        ok = s["diverged"] == 0
        yerr = np.vstack([(s["mean"] - s["min"]).clip(lower=0), (s["max"] - s["mean"]).clip(lower=0)])
        ax.errorbar(s["lr"][ok], s["mean"][ok], yerr=yerr[:, ok.to_numpy()], color=color(opt), marker="o", ms=4,
                    capsize=3, label=label(opt))
        top = s.loc[s["mean"].idxmax()]
        ax.plot(top["lr"], top["mean"], marker="o", ms=14, mfc="none", mec=color(opt), mew=2, ls="")
        ax.annotate(f"highest mean\n{100 * top['mean']:.2f} %", xy=(top["lr"], top["mean"]),
                    xytext=(0, 22), textcoords="offset points",  # above: the line falls away on both sides
                    ha="center", va="center", color=color(opt), fontsize="small", fontweight="bold")
        if (~ok).any():
            ax.scatter(s["lr"][~ok], np.zeros((~ok).sum()) + 0.06, **{**DIVERGED_MARKER, "color": color(opt), "s": 50},
                       label=f"{label(opt)}: a seed diverged")
    if baseline is not None:
        ax.axvline(baseline, color="black", ls=":", lw=1.2)
        ax.annotate("homework's rate", xy=(baseline, 1), xycoords=("data", "axes fraction"), xytext=(3, -3),
                    textcoords="offset points", va="top", ha="left", fontsize="small")
    ax.set(xscale="log", xlabel="learning rate", ylabel=ylabel)
    _logit_accuracy_axis(ax)
    ax.legend(loc="lower left")
    return fig


def search_bars(table: pd.DataFrame, *, value: str = "mean", label_col: str = "id", ref: float | None = None,
                xlabel: str = "validation accuracy", describe_col: str | None = "change",
                chosen: str | None = None, width: int = 40) -> plt.Figure:
    """A search's settings as points (mean over seeds) with min–max whiskers, best on top.

    Rows are labelled by ``label_col`` (the search ids of the table beside the figure) and, when the
    table has it, the ``describe_col`` text, wrapped onto further lines after ``width`` characters
    (never cut short). ``ref`` (a target) is drawn as a dashed line; the axis always reaches it.
    ``chosen`` (an id) is drawn larger and in bold.
    """
    table = table.sort_values(value)

    def row_label(row) -> str:
        text = str(row[label_col])
        if describe_col and describe_col in table.columns:
            text += "  " + "\n".join(textwrap.wrap(plain_change(str(row[describe_col])), width) or [""])
        return text

    labels = [row_label(r) for _, r in table.iterrows()]
    extra_lines = sum(label_.count("\n") for label_ in labels)
    fig, ax = plt.subplots(figsize=(8.0, 0.3 * len(table) + 0.17 * extra_lines + 1.3), layout="constrained")
    y = np.arange(len(table))
    ax.errorbar(table[value], y, xerr=[table[value] - table["min"], table["max"] - table[value]], fmt="o",
                color="black", ecolor="grey", capsize=2, lw=1, ms=4)

    ax.set_yticks(y, labels)
    if chosen is not None and chosen in set(table[label_col]):
        i = list(table[label_col]).index(chosen)
        ax.plot(table[value].iloc[i], i, marker="o", ms=11, mfc="none", mec="tab:red", mew=2, ls="",
                label=f"chosen ({chosen})")
        ax.get_yticklabels()[i].set_fontweight("bold")
    lo, hi = float(np.nanmin(table["min"])), float(np.nanmax(table["max"]))
    if ref is not None:
        lo, hi = min(lo, ref), max(hi, ref)
    pad = 0.05 * (hi - lo)
    ax.set_xlim(lo - pad, hi + pad)
    if ref is not None:
        ax.axvline(ref, color="tab:red", ls="--", lw=1, label=f"target {100 * ref:.1f} %")
    if ref is not None or chosen is not None:
        ax.legend(loc="lower right")
    ax.xaxis.set_major_locator(plt.MaxNLocator(4))  # long row labels leave a narrow axis: few ticks
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
    ax.set(yscale="log", xlabel="epoch", ylabel=r"gradient ratio  $\|\nabla W_1\| \,/\, \|\nabla W_{\mathrm{out}}\|$")
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
    fig, axes = plt.subplots(1, len(grids), figsize=(MAX_WIDTH_IN, 3.4), sharey=True, layout="constrained", squeeze=False)
    for ax, (name, grid) in zip(axes[0], grids.items()):
        image = ax.imshow(grid, aspect="auto", origin="lower", norm=norm, cmap="viridis",
                          extent=(0.5, grid.shape[1] + 0.5, 0.5, grid.shape[0] + 0.5))
        ax.set(title=name, xlabel="epoch")
        ax.grid(False)
        ax.set_yticks(range(1, grid.shape[0] + 1))
    axes[0, 0].set_ylabel("layer (1 = input, last = output)")
    fig.colorbar(image, ax=axes[0].tolist(), label="‖∇W‖ (mean over the epoch's batches)")
    return fig


def best_rate_curves(sweeps: dict[str, Sequence[Entry]], rates: dict[str, float], *,
                     ylim: tuple[float, float] | None = None) -> plt.Figure:
    """Each optimizer's test-accuracy curve at its best rate, side by side on a shared axis (Problem 2(b)).

    ``sweeps``: optimizer (a key of the book's colours: 'nesterov', 'adam', ...) -> its rate sweep's runs;
    ``rates``: optimizer -> its best rate, chosen by the findings' rule (the highest mean final accuracy,
    ``hw7.findings.p2``'s ``Sweep.best.top``) and passed in, so figure and text cannot disagree.
    Mean line over the seeds, band min–max; a diverged seed's epochs after its divergence are left out."""
    fig, axes = plt.subplots(1, len(sweeps), figsize=(min(MAX_WIDTH_IN, 4.2 * len(sweeps)), 3.6), sharey=True,
                             squeeze=False, layout="constrained")
    for ax, (opt, entries) in zip(axes[0], sweeps.items()):
        lr = rates[opt]
        at = [e for e in entries if e["config"]["lr"] == lr]
        if not at:
            raise ValueError(f"no run at the rate {lr_text(lr)} in the {label(opt)} sweep")
        runs = history(at).pivot(index="run", columns="epoch", values="acc")
        band(ax, runs.columns.to_numpy(), runs.to_numpy(dtype=float), color=color(opt),
             label=f"{label(opt)}, lr {lr_text(lr)}")
        ax.set_title(f"{label(opt)}\nlearning rate {lr_text(lr)}, {len(at)} seeds", color=color(opt))
        ax.set_xlabel("epoch")
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.1f} %"))
        if ylim is not None:
            ax.set_ylim(*ylim)
    axes[0, 0].set_ylabel("test accuracy")
    return fig
