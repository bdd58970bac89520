"""Figures from stored test predictions: where the best nets' errors fall, and which digits they miss.

Both figures read the labels (and the grid the images) of the MNIST test set. Where the MNIST files are
missing they raise :class:`hw7.mnist.data.MnistDataError` (an :class:`~hw7.errors.Hw7Error` with a one-line
message) before drawing anything: a chapter that may be rendered without the data catches that error and
prints its message instead of the figure. The counts themselves come from :mod:`hw7.mnist.predictions`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.ticker import NullFormatter

from hw7.entry import Entry
from hw7.mnist import predictions as pr
from hw7.present.plots import MAX_WIDTH_IN

#: Font size (pt) of the cell numbers and digit captions: >= MIN_PRINT_PT once a 9-inch figure prints at 6.7 in.
_CELL_PT = 9.5


def _runs(entries: Sequence[Entry], seed: int | None) -> list[Entry]:
    """All runs (seeds) of a setting, or only seed ``seed``'s."""
    runs = [e for e in entries if seed is None or e["config"]["seed"] == seed]
    if not runs:
        raise ValueError(f"no run with seed {seed}")
    return runs


def _errors_panel(ax: plt.Axes, m: np.ndarray, norm: LogNorm) -> plt.cm.ScalarMappable:
    """The off-diagonal counts of ``m`` coloured on a log scale and written in their cells; the diagonal
    (the correct answers, 100 times larger) is grey and left blank so it does not swamp the errors."""
    off = m.astype(float)
    np.fill_diagonal(off, np.nan)
    off[off == 0] = np.nan
    ax.imshow(np.where(np.eye(10, dtype=bool), 1.0, np.nan), cmap="Greys", vmin=0, vmax=5)
    image = ax.imshow(off, cmap="rocket_r", norm=norm)
    for (t, p), k in np.ndenumerate(m):
        if t != p and k:
            dark = norm(k) > 0.6
            ax.text(p, t, str(int(k)), ha="center", va="center", fontsize=_CELL_PT,
                    color="white" if dark else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set(xlabel="predicted digit", ylabel="true digit")
    ax.grid(False)
    return image


def confusion_figure(nets: dict[str, Sequence[Entry]], labels: np.ndarray | None = None, *,
                     seed: int | None = None) -> plt.Figure:
    """One confusion matrix per net (panels side by side), errors only: counts summed over the net's seeds,
    or seed ``seed``'s alone. ``labels``: the test labels (None: read MNIST; MnistDataError if missing)."""
    labels = pr.test_labels() if labels is None else labels
    runs = {name: _runs(entries, seed) for name, entries in nets.items()}
    mats = {name: pr.confusion_sum(rs, labels) for name, rs in runs.items()}
    top = max(int((m - np.diag(np.diag(m))).max()) for m in mats.values())
    vmax = max(top, 2)
    norm = LogNorm(vmin=1, vmax=vmax)
    fig, axes = plt.subplots(1, len(nets), figsize=(min(MAX_WIDTH_IN, 4.4 * len(nets) + 0.6), 4.6),
                             squeeze=False, layout="constrained")
    images = []
    for ax, (name, m) in zip(axes[0], mats.items()):
        images.append(_errors_panel(ax, m, norm))
        n = len(runs[name])
        which = f"seed {seed}" if seed is not None else f"{n} seeds summed"
        ax.set_title(f"{name}\n{int(m.sum() - np.trace(m))} errors ({which})")
    bar = fig.colorbar(images[0], ax=axes[0].tolist(), shrink=0.8, label="images (log scale)")
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if t <= vmax]
    bar.set_ticks(ticks, labels=[str(t) for t in ticks])
    bar.ax.yaxis.set_minor_formatter(NullFormatter())
    return fig


def _caption(true: int, wrong: int, k: int, n: int) -> str:
    return f"{true} → {wrong}" + (f"\n{k} of {n} seeds" if n > 1 else "")


def misclassified_grid(entries: Sequence[Entry], *, images: np.ndarray | None = None,
                       labels: np.ndarray | None = None, seed: int | None = None, n: int = 24, ncols: int = 8,
                       title: str | None = None) -> plt.Figure:
    """The test digits a net gets wrong, those most of its seeds miss first (then by index), each captioned
    "true → predicted" (the most frequent wrong answer) and in how many of the seeds it was wrong.

    ``images`` (n, 784) and ``labels``: the test set (None: read MNIST, raising MnistDataError where the
    files are missing, before anything is drawn); ``seed``: one seed's run instead of all."""
    if labels is None or images is None:
        from hw7.mnist.data import load_mnist

        data = load_mnist()
        labels = data.test_y.numpy().astype(np.int64) if labels is None else labels
        images = data.test_x.numpy() if images is None else images
    runs = _runs(entries, seed)
    count, wrong = pr.wrong_by_image(runs, labels)
    order = sorted(np.flatnonzero(count).tolist(), key=lambda i: (-count[i], i))[:n]
    rows = max(1, -(-len(order) // ncols))
    fig, axes = plt.subplots(rows, ncols, figsize=(min(MAX_WIDTH_IN, 1.1 * ncols), 1.45 * rows + 0.4),
                             squeeze=False, layout="constrained")
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, i in zip(axes.flat, order):
        ax.imshow(images[i].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(_caption(int(labels[i]), int(wrong[i]), int(count[i]), len(runs)), fontsize=_CELL_PT)
    if not order:
        fig.text(0.5, 0.5, "no test image misclassified", ha="center", va="center", fontsize=_CELL_PT)
    if title:
        fig.suptitle(title, fontsize=_CELL_PT + 1)
    return fig
