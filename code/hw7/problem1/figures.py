"""Problem 1 figures: the valley, trajectories on it, error curves and the learning-rate sweep.

Every function takes cached entries (``{"config", "result", ...}``) and draws; nothing is computed
beyond evaluating f on a plotting grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D
from matplotlib.ticker import LogLocator

from hw7.entry import Entry
from hw7.present.fmt import lr_short, lr_tex
from hw7.present.plots import DIVERGED_MARKER, MAX_WIDTH_IN
from hw7.problem1 import rosenbrock
from hw7.problem1.experiments import adam_variant_name
from hw7.problem1.optimizers import color, label


@dataclass(frozen=True)
class Extent:
    """The plotting window ``(xmin, xmax, ymin, ymax)``, shared by parts (b)–(d) as the homework asks."""

    xmin: float
    xmax: float
    ymin: float
    ymax: float

    def contains(self, xy: np.ndarray) -> np.ndarray:
        return (xy[:, 0] >= self.xmin) & (xy[:, 0] <= self.xmax) & (xy[:, 1] >= self.ymin) & (xy[:, 1] <= self.ymax)


def run_label(entry: Entry, *, short: bool = True) -> str:
    """``Adam, lr 1e-4`` in a legend; ``Adam, $\\kappa = 10^{-4}$`` in a table (``short=False``), as the prose
    writes it."""
    cfg = entry["config"]
    if short:
        return f"{label(cfg['optimizer'])}, lr {lr_short(cfg['lr'])}"
    return f"{label(cfg['optimizer'])}, $\\kappa = {lr_tex(cfg['lr']).strip('$')}$"


def contour(ax: plt.Axes, extent: Extent, *, levels: int = 25, resolution: int = 400, colorbar: bool = True) -> None:
    """Filled contours of f on log-spaced levels (f spans ~10 decades), minimum marked."""
    x = np.linspace(extent.xmin, extent.xmax, resolution)
    y = np.linspace(extent.ymin, extent.ymax, resolution)
    X, Y = np.meshgrid(x, y)
    F = rosenbrock.value(X, Y) + 1e-3  # keep the log finite at the minimum
    lv = np.logspace(np.log10(F.min()), np.log10(F.max()), levels)
    # rasterized: as vectors the 400 x 400 contour grid makes a 1.2 MB SVG per figure
    filled = ax.contourf(X, Y, F, levels=lv, norm=LogNorm(), cmap="Greys_r", alpha=0.85, rasterized=True)
    ax.contour(X, Y, F, levels=lv, colors="white", linewidths=0.3, alpha=0.6).set_rasterized(True)
    ax.plot(*rosenbrock.MINIMUM, marker="*", color="gold", markeredgecolor="black", ms=14, ls="", label="minimum (1, 1)")
    ax.set(xlim=(extent.xmin, extent.xmax), ylim=(extent.ymin, extent.ymax), xlabel="$x$", ylabel="$y$")
    if colorbar:
        cbar = ax.figure.colorbar(filled, ax=ax, pad=0.01, ticks=LogLocator())
        cbar.minorticks_off()
        cbar.set_label("$f(x, y)$ (log scale)")


def exit_point(inside: np.ndarray, outside: np.ndarray, extent: Extent) -> np.ndarray:
    """Where the segment from ``inside`` (in the window) to ``outside`` crosses the window's edge."""
    d = outside - inside
    ts = [1.0]
    for k, (lo, hi) in enumerate(((extent.xmin, extent.xmax), (extent.ymin, extent.ymax))):
        if np.isfinite(d[k]) and d[k] != 0:
            bound = hi if d[k] > 0 else lo
            ts.append((bound - inside[k]) / d[k])
        elif not np.isfinite(d[k]):  # an overflowed coordinate leaves along this axis at once
            ts.append(0.0)
    t = max(0.0, min(ts))
    return inside + t * np.nan_to_num(d, nan=0.0, posinf=0.0, neginf=0.0)


def trajectories(ax: plt.Axes, entries: Sequence[Entry], extent: Extent) -> None:
    """Each run's path on the contour, ending in a circle (final iterate) or, for a run that leaves
    the window, in an X on the window's edge where its path crosses it."""
    start = tuple(float(v) for v in entries[0]["config"]["init"])
    widths = np.linspace(2.8, 1.2, len(entries))  # earlier runs drawn wider, so overlapping paths stay visible
    for entry, width in zip(entries, widths):
        xy = np.asarray(entry["result"]["xy"], dtype=float)
        c = color(entry["config"]["optimizer"])
        inside = extent.contains(xy) & np.isfinite(xy).all(axis=1)
        if inside.all():
            ax.plot(xy[:, 0], xy[:, 1], color=c, lw=width)
            ax.plot(*xy[-1], marker="o", color=c, markeredgecolor="black", ms=7, ls="", zorder=6)
            continue
        stop = int(np.argmin(inside))  # first iterate outside the window
        edge = exit_point(xy[stop - 1], xy[stop], extent) if stop else xy[0]
        path = np.vstack([xy[:stop], edge])
        ax.plot(path[:, 0], path[:, 1], color=c, lw=width)
        ax.scatter(*edge, **{**DIVERGED_MARKER, "color": c, "edgecolor": "black", "linewidths": 0.6}, clip_on=False)
    ax.plot(*start, marker="s", color="white", markeredgecolor="black", ms=8, ls="", zorder=6)
    ax.set(xlim=(extent.xmin, extent.xmax), ylim=(extent.ymin, extent.ymax))


def error_curves(ax: plt.Axes, entries: Sequence[Entry], *, log_steps: bool = False) -> None:
    """log10 of the distance to (1, 1) against the step; diverged runs stop with an X."""
    for entry in entries:
        r = entry["result"]
        steps = np.asarray(r["steps"], dtype=float)
        err = np.log10(np.maximum(np.asarray(r["dist"]), 1e-300))
        c = color(entry["config"]["optimizer"])
        keep = steps > 0 if log_steps else slice(None)
        ax.plot(steps[keep], err[keep], color=c, lw=1.3, label=run_label(entry))
        if r["diverged_step"] >= 0:
            ax.scatter(steps[-1], err[-1], **{**DIVERGED_MARKER, "color": c})
    if log_steps:
        ax.set_xscale("log")
    ax.set(xlabel="step" + (" (log scale)" if log_steps else ""), ylabel=r"$\log_{10}\,\|\theta_t - (1, 1)\|$")


def comparison(entries: Sequence[Entry], extent: Extent, *, title: str | None = None) -> plt.Figure:
    """Trajectories on the valley (left) and error curves on linear and log step axes (right), with
    one legend for all three panels below them, where it hides no part of any path."""
    fig = plt.figure(figsize=(MAX_WIDTH_IN, 3.9), layout="constrained")
    grid = fig.add_gridspec(1, 3, width_ratios=[1.3, 1, 1])
    ax_traj = fig.add_subplot(grid[0])
    contour(ax_traj, extent, colorbar=False)
    trajectories(ax_traj, entries, extent)
    ax_traj.set_title("paths on the valley")
    ax_lin = fig.add_subplot(grid[1])
    ax_log = fig.add_subplot(grid[2], sharey=ax_lin)
    error_curves(ax_lin, entries)
    error_curves(ax_log, entries, log_steps=True)
    ax_lin.set_title("error, linear step axis")
    ax_log.set_title("error, log step axis")
    ax_log.set_ylabel("")
    ax_lin.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v / 1000:g}k" if v else "0"))
    handles = [Line2D([], [], color=color(e["config"]["optimizer"]), lw=2.2, label=run_label(e)) for e in entries]
    handles += [Line2D([], [], marker="s", color="white", markeredgecolor="black", ls="", ms=8, label="start"),
                Line2D([], [], marker="o", color="grey", markeredgecolor="black", ls="", ms=7, label="final iterate"),
                Line2D([], [], marker="*", color="gold", markeredgecolor="black", ls="", ms=12, label="minimum (1, 1)")]
    if any(e["result"]["diverged_step"] >= 0 for e in entries):
        steps = ", ".join(str(e["result"]["diverged_step"]) for e in entries if e["result"]["diverged_step"] >= 0)
        handles.append(Line2D([], [], marker="X", color="grey", markeredgecolor="black", ls="", ms=9,
                              label=f"diverged (step {steps}): leaves the window / last finite error"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False)
    if title:
        fig.suptitle(title)
    return fig


def lr_sweep(entries: Sequence[Entry], ties: dict[str, Sequence[float]] | None = None) -> plt.Figure:
    """Final distance after the run against the learning rate, one line per optimizer, its best rate
    circled (or every rate in ``ties[optimizer]``, where several tie); rates at which a run diverged are
    crosses in a shaded band above every finite value."""
    fig, ax = plt.subplots(figsize=(7.5, 4.4), layout="constrained")
    top = max(np.nanmax(np.asarray(e["result"]["final_dist"], dtype=float)) for e in entries)
    band_lo = top * 8
    for row, entry in enumerate(entries):
        r = entry["result"]
        opt = entry["config"]["optimizer"]
        lrs, dist = np.asarray(r["lrs"]), np.asarray(r["final_dist"], dtype=float)
        diverged = np.asarray(r["diverged_step"]) >= 0
        ax.plot(lrs[~diverged], dist[~diverged], marker="o", ms=3.5, color=color(opt), label=label(opt))
        i = int(np.nanargmin(np.where(diverged, np.nan, dist)))
        best = np.isin(lrs, ties[opt]) if ties and opt in ties else np.arange(len(lrs)) == i
        ax.plot(lrs[best], dist[best], marker="o", ms=13, mfc="none", mec=color(opt), mew=2, ls="")
        if diverged.any():  # one row of crosses per optimizer, inside the band
            ax.scatter(lrs[diverged], np.full(diverged.sum(), band_lo * 3 * 4**row),
                       **{**DIVERGED_MARKER, "color": color(opt), "s": 40})
    band_hi = band_lo * 3 * 4 ** len(entries)
    ax.axhspan(band_lo, band_hi, color="0.92", zorder=0)
    ax.text(0.01, band_lo * 1.3, "diverged (X)", transform=ax.get_yaxis_transform(), fontsize="small",
            color="0.3", va="bottom")
    ax.set(xscale="log", yscale="log", xlabel=r"learning rate $\kappa$",
           ylabel=r"distance to $(1,1)$ after $10^5$ steps")
    ax.set_ylim(top=band_hi)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(  # no distance ticks inside the 'diverged' band
        lambda v, _: "" if v > band_lo else f"$10^{{{np.log10(v):.0f}}}$"))
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.plot([], [], marker="o", ms=11, mfc="none", mec="grey", mew=2, ls="", label="best rate (or tied best)")
    ax.legend(loc="lower left")
    return fig


#: how the Adam variants of :data:`hw7.problem1.experiments.P1_ADAM_VARIANTS` are named in legends and tables
ADAM_VARIANT_LABELS: dict[str, str] = {
    "homework": "homework (β₂ = 0.99, ε inside √)",
    "eps_outside": "ε outside √",
    "eps_zero": "ε = 0",
    "standard": "standard (β₂ = 0.999, ε outside √)",
}


#: how each variant is drawn: standard Adam (the one that differs) underneath, thin and translucent, so
#: that it hides none of the three beta2 = 0.99 variants, which lie on top of each other in distinct dashes
ADAM_VARIANT_STYLES: dict[str, dict] = {
    "standard": {"color": plt.get_cmap("tab10")(3), "lw": 0.8, "alpha": 0.55, "ls": "-", "zorder": 1},
    "homework": {"color": plt.get_cmap("tab10")(0), "lw": 1.6, "ls": "-", "zorder": 2},
    "eps_outside": {"color": plt.get_cmap("tab10")(1), "lw": 1.2, "ls": (0, (5, 3)), "zorder": 3},
    "eps_zero": {"color": plt.get_cmap("tab10")(2), "lw": 1.2, "ls": (0, (1, 2)), "zorder": 4},
}


def adam_variants(entries: Sequence[Entry]) -> plt.Figure:
    """Distance to (1, 1) against the step for each Adam variant, one panel per learning rate.

    The evidence for what makes Adam wander near the minimum: if eps mattered, the variants would
    differ; if the constant step size does, they wander alike and the wander scales with the rate.
    """
    lrs = sorted({e["config"]["lr"] for e in entries})
    fig, axes = plt.subplots(1, len(lrs), figsize=(5.5 * len(lrs), 4.4), sharey=True, layout="constrained")
    for ax, lr in zip(np.atleast_1d(axes), lrs):
        for name, style in ADAM_VARIANT_STYLES.items():
            entry = next((e for e in entries if e["config"]["lr"] == lr and adam_variant_name(e["config"]) == name), None)
            if entry is None:
                continue
            steps = np.asarray(entry["result"]["steps"])
            dist = np.asarray(entry["result"]["dist"], dtype=float)
            keep = steps >= 1
            ax.plot(steps[keep], dist[keep], label=ADAM_VARIANT_LABELS[name], **style)
        ax.axhline(lr, color="grey", lw=0.8, ls="-.", label="κ (the learning rate)")
        ax.set(yscale="log", xlabel="step", title=f"Adam, κ = {lr_short(lr)}")
    np.atleast_1d(axes)[0].set_ylabel("distance to (1, 1)")
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize="small")
    return fig


# ---------------------------------------------------------------------------------------------
# The chapter's figures, so no plotting code lives in the .qmd. One plotting window for every
# trajectory plot, a setting (not fitted to whatever runs exist, so a new run cannot move it): it
# holds every path of part (b)'s homework optimizers with a margin (tests/test_figures.py checks).

#: the window of every trajectory plot of chapter 1
WINDOW = Extent(xmin=-4.6, xmax=4.4, ymin=-2.8, ymax=8.4)


def chapter_contour() -> plt.Figure:
    """Part (a): the valley's contours on the chapter's plotting window."""
    fig, ax = plt.subplots(figsize=(7, 4.6), layout="constrained")
    contour(ax, WINDOW)
    ax.legend(loc="lower right", fontsize="small")
    return fig


class Cached(Protocol):
    """What the chapter's findings hand a figure: a run, or a sweep line, with its cached entry."""

    @property
    def entry(self) -> Entry: ...


class Tied(Cached, Protocol):
    """A sweep line: its entry, its optimizer and the rates that tie for its best."""

    @property
    def optimizer(self) -> str: ...

    @property
    def tied_best(self) -> tuple[float, ...]: ...


def chapter_comparison(runs: Iterable[Cached]) -> plt.Figure:
    """Paths and error curves of the findings' ``runs`` on the chapter's window."""
    return comparison([r.entry for r in runs], WINDOW)


def chapter_sweep(lines: Iterable[Tied]) -> plt.Figure:
    """Final distance against the rate, one line per optimizer, each one's tied best rates circled."""
    lines = list(lines)
    return lr_sweep([ln.entry for ln in lines], {ln.optimizer: ln.tied_best for ln in lines})


def chapter_adam_variants(runs: Iterable[Cached]) -> plt.Figure:
    """The homework's Adam and its three variants at parts (b) and (d)'s rates."""
    return adam_variants([r.entry for r in runs])
