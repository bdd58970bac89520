"""Figures, tables and comparisons for "expanding the data" (Problems 2(c) and 3(c)).

Everything here reads cached runs (or, for the example figure, the MNIST images themselves); no
training. Comparative words come from :func:`compare` with one stated rule.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from hw7.mnist import augment as aug
from hw7.report import claims, fmt
from hw7.mnist import results as mr

Entry = dict[str, Any]


# ---------------------------------------------------------------------------------- comparisons

def compare(a: Sequence[float], b: Sequence[float]) -> str:
    """'above', 'below' or 'within noise of': ``a`` against ``b`` under the book's rule
    (:func:`hw7.report.claims.compare`: Welch's t-test at 5 %, a one-sample t-test for a one-seed run)."""
    return claims.compare(a, b).pick("above", "within noise of", "below")


# ---------------------------------------------------------------------------------- tables

def expansion_table(control: Sequence[Entry], variants: dict[str, tuple[str, Sequence[Entry]]],
                    control_label: str) -> pd.DataFrame:
    """One row per setting: the control (original images) and each expansion variant.

    ``variants``: id -> (what, entries). Columns: id, change, augment name, seeds, last-epoch mean and
    sd (NaN sd for one seed), best epoch's accuracy, CPU minutes per run where measured (new runs
    record ``cpu_seconds``), wall minutes per run.
    """
    rows = []
    for sid, (what, entries) in {control_label: ("original images (control)", control), **variants}.items():
        final = mr.finals(entries)
        cpu = [e["result"].get("cpu_seconds") for e in entries]
        rows.append({"id": sid, "change": what, "n": len(final), "mean": final["acc"].mean(),
                     "sd": final["acc"].std() if len(final) > 1 else float("nan"),
                     "accs": final["acc"].tolist(), "best_epoch_acc": final["best_acc"].mean(),
                     "cpu_min": np.mean(cpu) / 60 if all(c is not None for c in cpu) else float("nan"),
                     "wall_min": final["seconds"].mean() / 60, "params": int(final["params"].iloc[0])})
    return pd.DataFrame(rows)


def expansion_report(table: pd.DataFrame) -> pd.DataFrame:
    """The table as the reader sees it: accuracy, Δ against the control, the word for it, cost."""
    control = table.iloc[0]
    out = []
    for _, r in table.iterrows():
        acc = f"{100 * r['mean']:.2f}" + ("" if r["n"] == 1 else f" ± {100 * r['sd']:.2f}")
        is_control = r["id"] == control["id"]
        out.append({
            "id": r["id"], "training images": r["change"], "seeds": int(r["n"]), "val. accuracy (%)": acc,
            "Δ (points)": "" if is_control else fmt.signed(100 * (r['mean'] - control['mean'])),
            "vs control": "" if is_control else compare(r["accs"], control["accs"]),
            "CPU min / run": "—" if math.isnan(r["cpu_min"]) else f"{r['cpu_min']:.1f}",
            "wall min / run": f"{r['wall_min']:.1f}",
        })
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------------- figures

def _example_digits(n: int, seed: int) -> tuple[torch.Tensor, str]:
    """``n`` training digits of different classes, or rendered glyphs where MNIST is not available."""
    from hw7.mnist.data import MnistDataError, load_mnist

    try:
        data = load_mnist()
    except MnistDataError:
        return _glyphs(n), "rendered glyphs (MNIST files not found)"
    g = torch.Generator().manual_seed(seed)
    picks, seen = [], set()
    for i in torch.randperm(data.train_x.shape[0], generator=g).tolist():
        label = int(data.train_y[i])
        if label not in seen:
            seen.add(label)
            picks.append(i)
        if len(picks) == n:
            break
    return data.train_x[picks].float(), "MNIST training digits"


def _glyphs(n: int) -> torch.Tensor:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    out = []
    for d in range(n):
        fig = plt.figure(figsize=(0.28, 0.28), dpi=100)
        fig.text(0.5, 0.45, str(d), ha="center", va="center", fontsize=16)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        img = np.asarray(canvas.buffer_rgba())[..., 0].astype(np.float32)
        plt.close(fig)
        out.append(torch.from_numpy(1 - img[:28, :28] / 255).reshape(-1))
    return torch.stack(out)


def distortion_examples(configs: dict[str, aug.AugmentConfig], *, n_digits: int = 5, per_kind: int = 3,
                        seed: int = 0) -> plt.Figure:
    """A few digits (rows): the original, then ``per_kind`` random draws of each augmentation."""
    x, source = _example_digits(n_digits, seed)
    cols = [("original", None, 0)] + [(name, c, j) for name, c in configs.items() for j in range(per_kind)]
    g = torch.Generator().manual_seed(seed)
    panels = {name: aug.augment(x.repeat(per_kind, 1), c, g).view(per_kind, n_digits, 28, 28)
              for name, c in configs.items()}
    fig, axes = plt.subplots(n_digits, len(cols), figsize=(0.95 * len(cols), 1.0 * n_digits + 0.4),
                             layout="constrained", squeeze=False)
    for col, (name, c, j) in enumerate(cols):
        for row in range(n_digits):
            img = x[row].view(28, 28) if c is None else panels[name][j, row]
            ax = axes[row, col]
            ax.imshow(img.numpy(), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if row == 0 and (c is None or j == 0):
                ax.set_title(name, fontsize="small", loc="left")
    if source != "MNIST training digits":
        fig.suptitle(source, fontsize="small")
    return fig


def expansion_curves(panels: dict[str, dict[str, Sequence[Entry]]], *, zoom: tuple[float, float] | None = None,
                     targets: dict[str, float] | None = None) -> plt.Figure:
    """Validation accuracy against the epoch, one panel per network, one line per setting (mean over
    its seeds; band min–max where there are several)."""
    from hw7.report.plots import band

    colors = plt.get_cmap("tab10").colors
    fig, axes = plt.subplots(1, len(panels), figsize=(8.0 * len(panels), 4.2), layout="constrained",
                             squeeze=False, sharey=True)
    for ax, (title, settings) in zip(axes[0], panels.items()):
        for i, (name, entries) in enumerate(settings.items()):
            hist = mr.history(entries)
            runs = hist.pivot(index="run", columns="epoch", values="acc")
            band(ax, runs.columns.to_numpy(), runs.to_numpy(dtype=float), color=colors[i % len(colors)], label=name)
        if targets and title in targets:
            ax.axhline(targets[title], color="black", ls="--", lw=0.8)
        ax.set(title=title, xlabel="epoch")
        if zoom:
            ax.set_ylim(*zoom)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.1f} %"))
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    axes[0, 0].set_ylabel("validation accuracy")
    return fig


# ---------------------------------------------------------------------------------- the chapters' numbers

def late_slope(entries: Sequence[Entry], window: int = 5) -> float:
    """Mean validation accuracy of the last ``window`` epochs minus that of the ``window`` before
    (points per ``window`` epochs, mean over runs): is the curve still rising when training stops?"""
    accs = np.array([e["result"]["eval_acc"] for e in entries], dtype=float)
    return float(100 * (accs[:, -window:].mean() - accs[:, -2 * window:-window].mean()))


def expansion_results(*, control: Sequence[Entry], control_id: str, search: Sequence[Entry],
                      steps: Sequence[tuple[str, str, dict[str, Any]]], choice: str,
                      final: Sequence[Entry], base_final: Sequence[Entry]) -> dict[str, Any]:
    """Everything a chapter's "Expanding the data" subsection cites, computed from the cache.

    ``control``: the un-expanded recipe's validation runs (its search step ``control_id``);
    ``search``/``steps``: the expanded variants on the validation split; ``final``: the chosen
    variant's test runs; ``base_final``: the un-expanded recipe's test runs.
    """
    ids = mr.step_ids(search, steps)
    variants = {sid: (what, [e for e, i in zip(search, ids) if i == sid]) for sid, what, _ in steps}
    table = expansion_table(control, variants, control_id)
    variant_rows = table[table["id"] != control_id]
    best = variant_rows.loc[variant_rows["mean"].idxmax()]
    accs = [e["result"]["eval_acc"][-1] for e in final]
    base = [e["result"]["eval_acc"][-1] for e in base_final]
    cpu = [e["result"].get("cpu_seconds", float("nan")) for e in final]
    epochs = final[0]["config"]["epochs"]
    recipe_epochs = control[0]["config"]["epochs"]
    return {
        "table": table, "report": expansion_report(table), "best_id": best["id"], "choice_is_best": best["id"] == choice,
        "by_id": table.set_index("id"), "variants": variants,
        "final_mean": float(np.mean(accs)), "final_sd": float(np.std(accs, ddof=1)), "final_n": len(accs),
        "base_mean": float(np.mean(base)), "base_sd": float(np.std(base, ddof=1)),
        "vs_base": compare(accs, base), "gain": float(100 * (np.mean(accs) - np.mean(base))),
        "final_cpu_min": float(np.mean(cpu)) / 60, "final_cpu_min_per_epoch": float(np.mean(cpu)) / 60 / epochs,
        "params": int(final[0]["result"]["params"]), "augment": aug.AugmentConfig.from_dict(final[0]["config"]["augment"]),
        "slope_chosen": late_slope(variants[choice][1]), "slope_control": late_slope(control),
        # the rule for "still rising": a late gain larger than the control's seed-to-seed sd (points)
        "rising_threshold": float(100 * table.iloc[0]["sd"]),
        # last-epoch training loss (on the images each run trained on: distorted ones for the variants)
        "train_loss_chosen": float(np.mean([e["result"]["train_loss"][-1] for e in variants[choice][1]])),
        "train_loss_control": float(np.mean([e["result"]["train_loss"][-1] for e in control])),
        "epochs": recipe_epochs, "final_epochs": epochs,
    }


def gap_text(r: dict[str, Any], *, epochs_hint: int = 100) -> str:
    """Why a target was missed and what more would cost, from the chosen variant's own numbers
    (``r`` from :func:`expansion_results`; "still rising" means a gain over the last 5 epochs larger
    than the control's seed-to-seed sd, ``r["rising_threshold"]``)."""
    rising = r["rising_threshold"]
    fits = (f"Its last-epoch training loss on the distorted images, {r['train_loss_chosen']:.3f}, is "
            f"{'above' if r['train_loss_chosen'] > r['train_loss_control'] else 'not above'} the control's "
            f"{r['train_loss_control']:.3f} on the original ones")
    fits += (": the network no longer fits its training data, so it is short of epochs or of capacity rather than of data."
             if r["train_loss_chosen"] > r["train_loss_control"] else ".")
    curve = (f" Its validation curve was still rising at the end ({fmt.signed(r['slope_chosen'])} points over the last 5 epochs,"
             f" more than the control's seed-to-seed sd of {rising:.2f})." if r["slope_chosen"] > rising else
             f" Its validation curve had flattened ({fmt.signed(r['slope_chosen'])} points over the last 5 epochs, within the"
             f" control's seed-to-seed sd of {rising:.2f}), so more epochs of the same schedule would not help; a longer"
             " schedule, more capacity, or both would be needed.")
    cost = (f" The literature's best numbers come from hundreds of epochs; at the measured {r['final_cpu_min_per_epoch']:.2f}"
            f" CPU minutes per epoch, {epochs_hint} epochs for 3 seeds would take about"
            f" {3 * epochs_hint * r['final_cpu_min_per_epoch'] / 60:.1f} CPU hours here.")
    return fits + curve + cost


def benchmark_ratios(path: Any = None) -> dict[str, Any] | None:
    """benchmarks/augment_results.json (per-epoch cost of each augmentation / a plain epoch), if present."""
    import json

    from hw7 import REPO_ROOT

    p = path or REPO_ROOT / "benchmarks" / "augment_results.json"
    try:
        return json.loads(p.read_text())
    except FileNotFoundError:
        return None
