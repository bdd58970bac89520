"""Problem 1 figures: the valley, trajectories on it, error curves and the learning-rate sweep.

Every function takes cached entries (``{"config", "result", ...}``) and draws; nothing is computed
beyond evaluating f on a plotting grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.ticker import LogLocator

from . import rosenbrock
from .fmt import lr_short
from .plots import DIVERGED_MARKER, color, label

Entry = dict[str, Any]


@dataclass(frozen=True)
class Extent:
    """The plotting window ``(xmin, xmax, ymin, ymax)``, shared by parts (b)–(d) as the homework asks."""

    xmin: float
    xmax: float
    ymin: float
    ymax: float

    @classmethod
    def around(cls, entries: Sequence[Entry], margin: float = 0.08) -> "Extent":
        """The smallest window holding every (finite) iterate of ``entries``, plus a margin."""
        xy = np.concatenate([np.asarray(e["result"]["xy"]) for e in entries])
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        pad = (hi - lo) * margin
        return cls(lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])

    def contains(self, xy: np.ndarray) -> np.ndarray:
        return (xy[:, 0] >= self.xmin) & (xy[:, 0] <= self.xmax) & (xy[:, 1] >= self.ymin) & (xy[:, 1] <= self.ymax)


def run_label(entry: Entry) -> str:
    cfg = entry["config"]
    return f"{label(cfg['optimizer'])}, lr {lr_short(cfg['lr'])}"


def contour(ax: plt.Axes, extent: Extent, *, levels: int = 25, resolution: int = 400, colorbar: bool = True) -> None:
    """Filled contours of f on log-spaced levels (f spans ~10 decades), minimum marked."""
    x = np.linspace(extent.xmin, extent.xmax, resolution)
    y = np.linspace(extent.ymin, extent.ymax, resolution)
    X, Y = np.meshgrid(x, y)
    F = rosenbrock.value(X, Y) + 1e-3  # keep the log finite at the minimum
    lv = np.logspace(np.log10(F.min()), np.log10(F.max()), levels)
    filled = ax.contourf(X, Y, F, levels=lv, norm=LogNorm(), cmap="Greys_r", alpha=0.85)
    ax.contour(X, Y, F, levels=lv, colors="white", linewidths=0.3, alpha=0.6)
    ax.plot(*rosenbrock.MINIMUM, marker="*", color="gold", markeredgecolor="black", ms=14, ls="", label="minimum (1, 1)")
    ax.set(xlim=(extent.xmin, extent.xmax), ylim=(extent.ymin, extent.ymax), xlabel="$x$", ylabel="$y$")
    if colorbar:
        cbar = ax.figure.colorbar(filled, ax=ax, pad=0.01, ticks=LogLocator())
        cbar.minorticks_off()
        cbar.set_label("$f(x, y)$ (log scale)")


def trajectories(ax: plt.Axes, entries: Sequence[Entry], extent: Extent) -> None:
    """Each run's path on the contour; a diverged run ends in an X where it leaves the window."""
    start = tuple(float(v) for v in entries[0]["config"]["init"])
    widths = np.linspace(2.8, 1.2, len(entries))  # earlier runs drawn wider, so overlapping paths stay visible
    for entry, width in zip(entries, widths):
        xy = np.asarray(entry["result"]["xy"])
        c = color(entry["config"]["optimizer"])
        inside = extent.contains(xy)
        stop = len(xy) if inside.all() else int(np.argmin(inside))  # first point outside the window
        ax.plot(xy[:stop + 1, 0], xy[:stop + 1, 1], color=c, lw=width, label=run_label(entry))
        step = entry["result"]["diverged_step"]
        if step >= 0:
            end = np.clip(xy[min(stop, len(xy) - 1)], [extent.xmin, extent.ymin], [extent.xmax, extent.ymax])
            ax.scatter(*end, **{**DIVERGED_MARKER, "color": c}, label=f"diverged at step {step}")
        else:
            ax.plot(*xy[-1], marker="o", color=c, markeredgecolor="black", ms=6, ls="")
    ax.plot(*start, marker="s", color="white", markeredgecolor="black", ms=7, ls="", label=f"start {tuple(start)}")
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
    """Trajectories on the valley (left) and error curves on linear and log step axes (right)."""
    fig = plt.figure(figsize=(11, 4.3), layout="constrained")
    grid = fig.add_gridspec(1, 3, width_ratios=[1.35, 1, 1])
    ax_traj = fig.add_subplot(grid[0])
    contour(ax_traj, extent, colorbar=False)
    trajectories(ax_traj, entries, extent)
    ax_traj.legend(loc="lower right", fontsize="x-small", framealpha=0.9)
    ax_lin, ax_log = fig.add_subplot(grid[1]), fig.add_subplot(grid[2])
    error_curves(ax_lin, entries)
    error_curves(ax_log, entries, log_steps=True)
    ax_log.set_ylabel("")
    ax_lin.legend(fontsize="x-small")
    if title:
        fig.suptitle(title)
    return fig


def lr_sweep(entries: Sequence[Entry]) -> plt.Figure:
    """Final distance after the run against the learning rate, one line per optimizer; X = diverged."""
    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    top = max(np.nanmax(np.asarray(e["result"]["final_dist"], dtype=float)) for e in entries)
    for row, entry in enumerate(entries):
        r = entry["result"]
        opt = entry["config"]["optimizer"]
        lrs, dist = np.asarray(r["lrs"]), np.asarray(r["final_dist"], dtype=float)
        diverged = np.asarray(r["diverged_step"]) >= 0
        ax.plot(lrs[~diverged], dist[~diverged], marker="o", ms=3.5, color=color(opt), label=label(opt))
        if diverged.any():  # one row of crosses per optimizer, above every finite value
            ax.scatter(lrs[diverged], np.full(diverged.sum(), top * 10 * 4**row),
                       **{**DIVERGED_MARKER, "color": color(opt), "s": 40})
    ax.text(min(min(e["result"]["lrs"]) for e in entries), top * 10, "diverged (X):", fontsize="small", color="grey", va="center")
    ax.set(xscale="log", yscale="log", xlabel=r"learning rate $\kappa$",
           ylabel=r"distance to $(1,1)$ after $10^5$ steps")
    ax.legend(loc="lower left", fontsize="small")
    return fig


#: how the Adam variants of ``registry.P1_ADAM_VARIANTS`` are named in legends and tables
ADAM_VARIANT_LABELS: dict[str, str] = {
    "homework": "homework (β₂ 0.99, ε inside √)",
    "eps_outside": "ε outside √",
    "eps_zero": "ε = 0",
    "standard": "standard (β₂ 0.999, ε outside √)",
}


def adam_variant_name(config: dict[str, Any]) -> str:
    """Which entry of ``registry.P1_ADAM_VARIANTS`` an Adam config is (its hyper-parameters)."""
    from .registry import P1_ADAM_VARIANTS

    hyper = {k: v for k, v in config.items() if k in ("beta", "eps", "eps_inside", "gamma")}
    return next(name for name, h in P1_ADAM_VARIANTS.items() if h == hyper)


def adam_variants(entries: Sequence[Entry]) -> plt.Figure:
    """Distance to (1, 1) against the step for each Adam variant, one panel per learning rate.

    The evidence for what makes Adam wander near the minimum: if eps mattered, the variants would
    differ; if the constant step size does, they wander alike and the wander scales with the rate.
    """
    lrs = sorted({e["config"]["lr"] for e in entries})
    fig, axes = plt.subplots(1, len(lrs), figsize=(5.5 * len(lrs), 4.4), sharey=True, layout="constrained")
    palette = plt.get_cmap("tab10")
    for ax, lr in zip(np.atleast_1d(axes), lrs):
        for i, name in enumerate(ADAM_VARIANT_LABELS):
            entry = next((e for e in entries if e["config"]["lr"] == lr and adam_variant_name(e["config"]) == name), None)
            if entry is None:
                continue
            steps = np.asarray(entry["result"]["steps"])
            dist = np.asarray(entry["result"]["dist"], dtype=float)
            keep = steps >= 1
            ax.plot(steps[keep], dist[keep], lw=1.1, color=palette(i), label=ADAM_VARIANT_LABELS[name],
                    ls="-" if name == "homework" else "--" if name == "standard" else ":")
        ax.axhline(lr, color="grey", lw=0.8, ls="-.", label="κ (the learning rate)")
        ax.set(yscale="log", xlabel="step", title=f"Adam, κ = {lr_short(lr)}")
    np.atleast_1d(axes)[0].set_ylabel("distance to (1, 1)")
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize="small")
    return fig
