"""Figures for "expanding the data" (Problems 2(c) and 3(c)): the distortions, and the validation curves.

The numbers, tables and comparisons of those sections are findings (:mod:`hw7.findings.expanded`);
this module only draws, from cached runs (or, for the example figure, the MNIST images themselves).
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch

from hw7.entry import Entry
from hw7.mnist import augment as aug
from hw7.mnist import tables
from hw7.present.plots import MAX_WIDTH_IN

#: Title size (pt) of the example grid: >= MIN_PRINT_PT once a 9-inch figure prints at the PDF's 6.7 in.
_TITLE_PT = 9.5

# ---------------------------------------------------------------------------------- figures

def _example_digits(n: int, seed: int, split: str = "train") -> tuple[torch.Tensor, str]:
    """``n`` digits of different classes from MNIST's ``split`` ('train' or 'test'), or rendered glyphs
    where MNIST is not available (so the book still renders without the data)."""
    from hw7.mnist.data import MnistDataError, load_mnist

    try:
        data = load_mnist(require_known=False)  # example digits only: drawn from whatever copy is here
    except MnistDataError:
        return _glyphs(n), "rendered glyphs (MNIST files not found)"
    x, y = (data.train_x, data.train_y) if split == "train" else (data.test_x, data.test_y)
    g = torch.Generator().manual_seed(seed)
    picks, seen = [], set()
    for i in torch.randperm(x.shape[0], generator=g).tolist():
        label = int(y[i])
        if label not in seen:
            seen.add(label)
            picks.append(i)
        if len(picks) == n:
            break
    return x[picks].float(), f"MNIST {split} digits"


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
                        seed: int = 0, split: str = "train") -> plt.Figure:
    """A few digits (rows) of MNIST's ``split`` ('train' or 'test'): the original, then ``per_kind`` random
    draws of each augmentation (e.g. affine, elastic and both). Without the MNIST files it draws rendered
    glyphs and says so in its title, rather than failing."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    x, source = _example_digits(n_digits, seed, split)
    cols = [("original", None, 0)] + [(name, c, j) for name, c in configs.items() for j in range(per_kind)]
    g = torch.Generator().manual_seed(seed)
    panels = {name: aug.augment(x.repeat(per_kind, 1), c, g).view(per_kind, n_digits, 28, 28)
              for name, c in configs.items()}
    fig, axes = plt.subplots(n_digits, len(cols), figsize=(min(MAX_WIDTH_IN, 0.9 * len(cols)), 0.95 * n_digits + 0.4),
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
                ax.set_title(name, fontsize=_TITLE_PT, loc="left")
    if source.startswith("rendered"):
        fig.suptitle(source, fontsize=_TITLE_PT)
    return fig


def _kind_style(name: str, colors: Sequence) -> tuple[Any, str]:
    """A curve labelled ``"id: distortion[, N epochs]"`` gets one colour per distortion and a dashed line
    for a longer schedule, so the variants of one distortion share a hue and no two hues look alike."""
    kind = name.split(": ", 1)[-1].split(",")[0]
    hue = {"affine": colors[1], "elastic": colors[2], "affine+elastic": colors[4]}.get(kind, colors[0])
    return hue, "--" if "epochs" in name else "-"


def expansion_curves(panels: dict[str, dict[str, Sequence[Entry]]], *, zoom: tuple[float, float] | None = None,
                     by_kind: bool = False) -> plt.Figure:
    """Validation accuracy against the epoch, one panel per network, one line per setting (mean over
    its seeds; band min–max where there are several). ``by_kind`` colours by distortion (see
    :func:`_kind_style`) instead of one colour per line."""
    from hw7.present.plots import band

    colors = sns.color_palette("colorblind", 10)  # the book's colour-blind-safe palette (hw7.present.plots)
    fig, axes = plt.subplots(1, len(panels), figsize=(8.0 * len(panels), 4.2), layout="constrained",
                             squeeze=False, sharey=True)
    for ax, (title, settings) in zip(axes[0], panels.items()):
        for i, (name, entries) in enumerate(settings.items()):
            hist = tables.history(entries)
            runs = hist.pivot(index="run", columns="epoch", values="acc")
            hue, ls = _kind_style(name, colors) if by_kind else (colors[i % len(colors)], "-")
            band(ax, runs.columns.to_numpy(), runs.to_numpy(dtype=float), color=hue, label=name)
            ax.lines[-1].set_linestyle(ls)
        ax.set(title=title, xlabel="epoch")
        if zoom:
            ax.set_ylim(*zoom)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.1f} %"))
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    axes[0, 0].set_ylabel("validation accuracy")
    return fig


class ExpansionCurves(Protocol):
    """What :func:`expansion_figure` draws (:class:`hw7.findings.expanded.Expanded` has it)."""

    panel: str
    zoom: tuple[float, float]

    def curves(self) -> dict[str, Sequence[Entry]]: ...


def expansion_figure(x: ExpansionCurves, *, by_kind: bool = False) -> plt.Figure:
    """One network's validation curves: the control against each expanded variant."""
    return expansion_curves({x.panel: x.curves()}, zoom=x.zoom, by_kind=by_kind)
