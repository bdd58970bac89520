"""Figures and tables of the three appendices (they only read cached entries)."""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from hw7.entry import Entry, history
from hw7.present.plots import DIVERGED_MARKER, MAX_WIDTH_IN, band, color, label, legend_below

# ---------------------------------------------------------------------------------------------
# Appendix A: the optimizer zoo


def zoo_by_optimizer(entries: Sequence[Entry]) -> dict[str, list[Entry]]:
    out: dict[str, list[Entry]] = {}
    for e in entries:
        out.setdefault(e["config"]["optimizer"], []).append(e)
    return out


def zoo_table(entries: Sequence[Entry], published: dict[str, float]) -> pd.DataFrame:
    """One row per optimizer: published one-seed accuracy, ours over seeds, and whether it lies in our range."""
    rows = []
    for opt, es in zoo_by_optimizer(entries).items():
        acc = np.array([e["result"]["final_test_acc"] for e in es])
        rows.append({"optimizer": opt, "published": published[opt], "mean": acc.mean(), "sd": acc.std(ddof=1),
                     "min": acc.min(), "max": acc.max(), "n": len(acc),
                     "inside": bool(acc.min() <= published[opt] <= acc.max())})
    df = pd.DataFrame(rows)
    df["rank_published"] = df["published"].rank(ascending=False, method="min").astype(int)
    df["rank_ours"] = df["mean"].rank(ascending=False, method="min").astype(int)
    return df


def separated_pairs(entries: Sequence[Entry]) -> list[tuple[str, str]]:
    """Pairs (better, worse) whose seed ranges do not overlap: every seed of one beats every seed of the other."""
    accs = {opt: np.array([e["result"]["final_test_acc"] for e in es]) for opt, es in zoo_by_optimizer(entries).items()}
    return [(a, b) for a in accs for b in accs if a != b and accs[a].min() > accs[b].max()]


def zoo_curves(entries: Sequence[Entry], published: dict[str, float], *, zoom: tuple[float, float] | None = None,
               zoom_from: int = 1000, ncols: int = 4) -> plt.Figure:
    """Small multiples, one panel per optimizer (sorted by final mean): its test accuracy against the
    iteration (mean over seeds, band min–max) over the other optimizers' means in light grey, and the
    tutorial's published final accuracy as a diamond after the last iteration. The accuracy axis is
    shared and zoomed on the values from iteration ``zoom_from`` on (earlier ones fall below it)."""
    groups = zoo_by_optimizer(entries)
    final = {opt: np.mean([e["result"]["final_test_acc"] for e in es]) for opt, es in groups.items()}
    order = sorted(groups, key=final.__getitem__, reverse=True)
    curves = {opt: (np.array(es[0]["result"]["iterations"]), np.array([e["result"]["test_acc"] for e in es], dtype=float))
              for opt, es in groups.items()}
    last = max(its.max() for its, _ in curves.values())
    if zoom is None:  # everything after ``zoom_from`` and every published value, with a small margin
        late = np.concatenate([runs[:, its >= zoom_from].ravel() for its, runs in curves.values()])
        values = np.concatenate([late[np.isfinite(late)], list(published.values())])
        zoom = (float(values.min()) - 0.003, float(values.max()) + 0.003)
    nrows = -(-len(order) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(MAX_WIDTH_IN, 2.3 * nrows + 0.4), sharex=True, sharey=True,
                             squeeze=False, layout="constrained")
    for ax, opt in zip(axes.flat, order):
        for other in order:
            if other != opt:
                its, runs = curves[other]
                ax.plot(its, np.nanmean(runs, axis=0), color="0.8", lw=0.9, zorder=1)
        its, runs = curves[opt]
        band(ax, its, runs, color=color(opt))
        ax.scatter(last * 1.06, published[opt], marker="D", s=36, color=color(opt), edgecolor="black",
                   linewidth=0.6, zorder=6, clip_on=False)
        ax.set_title(f"{label(opt).replace('SGD (Nesterov momentum)', 'Nesterov')}: {100 * final[opt]:.2f} %",
                     fontweight="bold")
        ax.set(ylim=zoom, xlim=(0, last * 1.1))
    for ax in axes.flat[len(order):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("iteration")
    for ax in axes[:, 0]:
        ax.set_ylabel("test accuracy")
    axes[0, 0].yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
    handles = [Line2D([], [], color="black", lw=1.6, label="this optimizer (mean; band: min–max over seeds)"),
               Line2D([], [], color="0.8", lw=1.2, label="the other optimizers (mean)"),
               Line2D([], [], marker="D", ls="", color="grey", markeredgecolor="black", label="tutorial (one seed)")]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    return fig


def zoo_strip(entries: Sequence[Entry], published: dict[str, float]) -> plt.Figure:
    """Final test accuracy of every seed (dots), the mean (bar) and the published number (diamond)."""
    table = zoo_table(entries, published).sort_values("mean", ascending=False)
    order = list(table["optimizer"])
    fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    groups = zoo_by_optimizer(entries)
    rng = np.random.default_rng(0)
    for i, opt in enumerate(order):
        acc = np.array([e["result"]["final_test_acc"] for e in groups[opt]])
        ax.scatter(i + rng.uniform(-0.12, 0.12, len(acc)), acc, s=18, color=color(opt), alpha=0.85, zorder=3)
        ax.hlines(acc.mean(), i - 0.25, i + 0.25, color=color(opt), lw=2.2, zorder=4)
        ax.scatter(i + 0.33, published[opt], marker="D", s=40, color=color(opt), edgecolor="black", linewidth=0.6, zorder=5)
    ax.set_xticks(range(len(order)), [label(o).replace("SGD (Nesterov momentum)", "Nesterov") for o in order],
                  rotation=20)
    ax.set_ylabel("test accuracy after 3000 iterations")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.1f} %"))
    handles = [Line2D([], [], marker="o", ls="", color="grey", label="one seed"),
               Line2D([], [], ls="-", lw=2.2, color="grey", label="mean over seeds"),
               Line2D([], [], marker="D", ls="", color="grey", markeredgecolor="black", label="tutorial (one seed)")]
    ax.legend(handles=handles, fontsize="small", loc="lower left")
    return fig


# ---------------------------------------------------------------------------------------------
# Appendix B: deep narrow linear networks


def _ordered_colors(n: int) -> list[Any]:
    """n colours from dark purple to green, none of them light enough to vanish on white (viridis
    without its pale yellow end)."""
    return [plt.get_cmap("viridis")(x) for x in np.linspace(0.0, 0.78, n)]


def _depth_palette(depths: Sequence[int]) -> dict[int, Any]:
    return dict(zip(depths, _ordered_colors(len(depths))))


def _log_losses(ax: plt.Axes, curves: np.ndarray, color_: Any, label_: str, *, mark_diverged: bool = True) -> None:
    y = np.asarray(curves, dtype=float)
    ax.plot(np.arange(len(y)), y, color=color_, lw=1.6, label=label_)
    bad = np.flatnonzero(~np.isfinite(y))
    if mark_diverged and bad.size and bad[0] > 0:
        ax.scatter(bad[0] - 1, y[bad[0] - 1], **{**DIVERGED_MARKER, "color": color_, "s": 60})


def lnn_depth_curves(entry: Entry, *, noise_floor: float | None = None) -> plt.Figure:
    """Loss against epoch for every depth at one learning rate and initial weight."""
    cfg, r = entry["config"], entry["result"]
    curves = np.array(r["curves"], dtype=float)[:, 0, 0, :]   # (depth, epoch)
    palette = _depth_palette(cfg["depths"])
    fig, ax = plt.subplots(figsize=(7.5, 4.4), layout="constrained")
    for d, curve in zip(cfg["depths"], curves):
        _log_losses(ax, curve, palette[d], f"{d}")
    ax.axhline(cfg["threshold"], color="black", ls="--", lw=1)
    ax.text(len(curves[0]) * 0.99, cfg["threshold"] * 1.12, "threshold", ha="right", fontsize="small")
    if noise_floor is not None:
        ax.axhline(noise_floor, color="grey", ls=":", lw=1)
        ax.text(len(curves[0]) * 0.99, noise_floor * 0.8, "best possible (noise)", ha="right", va="top",
                fontsize="small", color="grey")
    ax.set(yscale="log", xlabel="epoch (one full-batch gradient step)", ylabel="loss  ½·mean squared error")
    # beside the axes: the flat plateaus of the deep networks fill the top right of the plot
    ax.legend(title="depth D", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return fig


def lnn_time_and_rate(depth_entry: Entry, search_entry: Entry) -> plt.Figure:
    """Left: learning time vs depth, at the fixed rate and at each depth's fastest rate.
    Middle: learning time vs learning rate for each searched depth. Right: fastest rate vs depth with the
    stability limit of gradient descent at the solution (see the text)."""
    dc, dr = depth_entry["config"], depth_entry["result"]
    sc, sr = search_entry["config"], search_entry["result"]
    fig, axes = plt.subplots(1, 3, figsize=(MAX_WIDTH_IN, 3.6), layout="constrained")
    ax = axes[0]
    t_fixed = np.array(dr["learning_time"], dtype=float)[:, 0, 0]
    depths = np.array(dc["depths"])
    ok = t_fixed >= 0
    ax.plot(depths[ok], t_fixed[ok], "o-", color="tab:grey", label=f"η = {dc['lrs'][0]:g}")
    if (~ok).any():
        ax.scatter(depths[~ok], np.full((~ok).sum(), dc["epochs"]), marker="^", color="tab:grey", zorder=5,
                   label=f"not learned in {dc['epochs']} epochs")
    best_t = np.array(sr["best_time"], dtype=float)[:, 0]
    sd = np.array(sc["depths"])
    ax.plot(sd[best_t >= 0], best_t[best_t >= 0], "s-", color="black", label="fastest η of the grid")
    ax.set(xlabel="depth D", ylabel="learning time (epochs)", yscale="log", title="learning time")
    legend_below(ax)
    ax = axes[1]
    lrs = np.array(sc["lrs"])
    times = np.array(sr["learning_time"], dtype=float)[:, :, 0]
    palette = _depth_palette(sc["depths"])
    for d, t in zip(sc["depths"], times):
        t = np.where(t >= 0, t, np.nan)
        ax.plot(lrs, t, color=palette[d], lw=1.4, label=f"{d}")
    ax.set(xlabel="learning rate η", ylabel="learning time (epochs)", yscale="log", xscale="log",
           title="time against rate")
    legend_below(ax, title="depth D", ncols=4, handlelength=1, columnspacing=0.8)
    ax = axes[2]
    best = np.array([row[0] if row[0] is not None else np.nan for row in sr["best_lr"]], dtype=float)
    ax.plot(sd, best, "s-", color="black", label="fastest η (grid)")
    dd = np.linspace(sd.min(), sd.max(), 200)
    ax.plot(dd, lnn_stability_limit(dd, sr["xy_mean"], sr["x_sq_mean"]), color="tab:red", ls="--",
            label="stability limit")
    ax.set(xlabel="depth D", ylabel="learning rate η", yscale="log", title="fastest rate")
    legend_below(ax)
    return fig


def lnn_stability_limit(depth: np.ndarray, xy_mean: float, x_sq_mean: float) -> np.ndarray:
    """Largest stable gradient-descent rate at the balanced solution ``w_i = w* = (E[xy]/E[x^2])^(1/D)``.

    Along the direction that changes every weight alike, the loss's curvature there is
    ``D · w*^(2D-2) · E[x^2]`` (the other directions are flat), and gradient descent is stable only for
    ``η < 2 / curvature``.
    """
    depth = np.asarray(depth, dtype=float)
    w_star = (xy_mean / x_sq_mean) ** (1.0 / depth)
    return 2.0 / (depth * w_star ** (2 * depth - 2) * x_sq_mean)


def lnn_init_curves(entry: Entry) -> plt.Figure:
    """Loss against epoch for each initial weight (one depth, one rate): blues for w0 < 1 (darker =
    smaller), reds for w0 >= 1 (darker = larger), none pale enough to fade into the white background
    (a diverging map's light middle would hide the weights near 0.85); X marks divergence."""
    cfg, r = entry["config"], entry["result"]
    curves = np.array(r["curves"], dtype=float)[0, 0]          # (init, epoch)
    inits = cfg["inits"]
    small, large = [w for w in inits if w < 1], [w for w in inits if w >= 1]
    colors = dict(zip(small, plt.get_cmap("Blues")(np.linspace(1.0, 0.4, len(small)))))
    colors |= dict(zip(large, plt.get_cmap("Reds")(np.linspace(0.4, 1.0, len(large)))))
    fig, ax = plt.subplots(figsize=(7.5, 4.6), layout="constrained")
    for w0, curve in zip(inits, curves):
        _log_losses(ax, curve, colors[w0], f"{w0:.2f}")
    ax.axhline(cfg["threshold"], color="black", ls="--", lw=1)
    ax.set(yscale="log", xlabel="epoch", ylabel="loss  ½·mean squared error")
    ax.legend(title="initial weight w₀", ncols=3, loc="upper right")
    return fig


# ---------------------------------------------------------------------------------------------
# Appendix C: the NumPy network


def numpy_vs_torch(numpy_entries: Sequence[Entry], torch_entries: Sequence[Entry]) -> plt.Figure:
    """Test accuracy and training loss per epoch: NumPy float64 vs the torch runs of Problem 2(a), bands = min–max over seeds."""
    fig, axes = plt.subplots(1, 3, figsize=(MAX_WIDTH_IN, 3.5), layout="constrained")
    series = {"NumPy (float64)": (numpy_entries, "tab:orange", "-"),
              "torch engine (float32)": (torch_entries, color("sgd"), "--")}
    for name, (es, col, ls) in series.items():
        epochs = np.array(es[0]["result"]["epochs"])
        acc = np.array([e["result"]["eval_acc"] for e in es], dtype=float)
        loss = np.array([e["result"]["train_loss"] for e in es], dtype=float)
        band(axes[0], epochs, acc, color=col, label=name)
        band(axes[1], epochs, loss, color=col, label=name)
        axes[0].lines[-1].set_linestyle(ls)
        axes[1].lines[-1].set_linestyle(ls)
    by_seed_t = {e["config"]["seed"]: e for e in torch_entries}
    for e in numpy_entries:
        t = by_seed_t.get(e["config"]["seed"])
        if t is None:
            continue
        n = len(history(e, "eval_acc"))
        diff = 100 * (np.array(history(e, "eval_acc")) - np.array(history(t, "eval_acc")[:n]))
        axes[2].plot(e["result"]["epochs"], diff, marker="o", ms=3, label=f"seed {e['config']['seed']}")
    axes[2].axhline(0, color="black", lw=0.8)
    axes[0].set(xlabel="epoch", ylabel="test accuracy", title="test accuracy")
    axes[1].set(xlabel="epoch", ylabel="mean training loss", yscale="log", title="training loss")
    axes[2].set(xlabel="epoch", ylabel="NumPy − torch (points)", title="difference, same seed")
    legend_below(axes[0])
    legend_below(axes[2], ncols=3, handlelength=1.2, columnspacing=0.8)
    return fig


def numpy_step_match(gradcheck_entry: Entry) -> plt.Figure:
    """Loss per mini-batch of the NumPy net and of torch (both float64), and their absolute difference."""
    m = gradcheck_entry["result"]["match"]
    steps = np.arange(1, m["steps"] + 1)
    a, b = np.array(m["loss_numpy"]), np.array(m["loss_torch"])
    fig, axes = plt.subplots(1, 2, figsize=(MAX_WIDTH_IN, 3.4), layout="constrained")
    axes[0].plot(steps, a, color="tab:orange", lw=1.6, label="NumPy")
    axes[0].plot(steps, b, color=color("sgd"), lw=1, ls="--", label="torch.optim.SGD")
    axes[0].set(xlabel="step (mini-batch of 10)", ylabel="cross-entropy of the batch", title="loss, step by step")
    axes[0].legend()
    gap = np.abs(a - b)
    axes[1].semilogy(steps, np.where(gap > 0, gap, np.nan), ".", ms=3, color="black")
    axes[1].axhline(np.finfo(float).eps, color="tab:red", ls=":", lw=1)
    axes[1].text(steps[-1], np.finfo(float).eps * 1.4, "float64 machine epsilon", ha="right", fontsize="small", color="tab:red")
    axes[1].set(xlabel="step", ylabel="|loss NumPy − loss torch|", title="difference (no point: exactly 0)")
    return fig


def gradcheck_table(gradcheck_entry: Entry) -> pd.DataFrame:
    """One row per check: which gradients were compared and the largest relative error among them."""
    checks = gradcheck_entry["result"]["checks"]
    rows = []
    for name, errs in checks.items():
        rows.append({"check": name, "gradients compared": ", ".join(errs), "max relative error": max(errs.values())})
    return pd.DataFrame(rows)
