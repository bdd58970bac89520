"""One visual language for every chapter: theme, colours and the figure helpers they share.

Importing this module sets seaborn's theme once. Each optimizer has one colour everywhere
(from seaborn's colour-blind-safe palette), so a reader can follow Adam from chapter to chapter.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.figure import Figure

from hw7.present.palette import COLORBLIND, OPTIMIZER_COLORS, OPTIMIZER_LABELS

sns.set_theme(context="notebook", style="whitegrid", palette="colorblind", font_scale=1.0)
# No figure.dpi here: Quarto's setup cell sets it per format (fig-dpi), and a value set on import
# would override the PDF's resolution in a fresh kernel but not in a reused one.
# svg.hashsalt and svg.id: an SVG's clip-path and glyph ids are hashed from this salt instead of a random
# uuid, so an unchanged figure renders to the same bytes and a re-render leaves _freeze/ unchanged.
plt.rcParams.update({"savefig.bbox": "tight", "axes.titlesize": "medium", "legend.fontsize": "small",
                     "legend.title_fontsize": "small", "svg.hashsalt": "hw7", "svg.id": "hw7-figure"})

#: figure metadata without the creation date (an SVG stores the time of saving in ``<dc:date>``)
UNDATED: dict[str, Any] = {"Date": None}


def undated_figures(shell: Any = None) -> None:
    """Make the notebook's figure output (IPython's formatters, which Quarto's setup cell registers before a
    chapter imports this module) store no date, and formats registered later too. Outside IPython: nothing."""
    try:  # both come with ipykernel; a plain Python session has neither kernel nor formatters
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import InlineBackend
    except ImportError:
        return
    shell = get_ipython() if shell is None else shell
    if shell is None:
        return

    # in place (assigning the trait runs a deprecated observer that warns); typed str -> str, but it holds
    # savefig's keywords, and metadata is a dict
    InlineBackend.instance().print_figure_kwargs["metadata"] = UNDATED  # type: ignore[assignment]
    for formatter in shell.display_formatter.formatters.values():
        printer = formatter.type_printers.get(Figure)
        if isinstance(printer, functools.partial) and "metadata" not in printer.keywords:
            formatter.for_type(Figure, functools.partial(printer.func, *printer.args, **printer.keywords,
                                                         metadata=UNDATED))


undated_figures()

#: Widest figure (inches) the chapters draw: HTML shows it across the page (``column: page``), the
#: PDF scales it to the text width (PRINT_WIDTH_IN), so fonts shrink by PRINT_WIDTH_IN / width.
MAX_WIDTH_IN = 9.0
#: Text width of the PDF (A4 with 2 cm side margins, _quarto.yml), in inches.
PRINT_WIDTH_IN = 6.7
#: Smallest font size (points) any figure text may have once printed at PRINT_WIDTH_IN.
MIN_PRINT_PT = 7.0

_CB = COLORBLIND

#: hidden-unit activation -> colour (Problem 3 compares them in every figure)
ACTIVATION_COLORS: dict[str, tuple[float, float, float]] = {"sigmoid": _CB[3], "relu": _CB[0]}

#: how a diverged run's last point is marked (spread into ``ax.scatter``, so typed for any keyword)
DIVERGED_MARKER: dict[str, Any] = dict(marker="X", s=90, color="black", zorder=5)


def color(optimizer: str) -> tuple[float, float, float]:
    """The book's colour of an optimizer (:data:`hw7.present.palette.OPTIMIZER_COLORS`)."""
    return OPTIMIZER_COLORS[optimizer]


def label(optimizer: str) -> str:
    return OPTIMIZER_LABELS.get(optimizer, optimizer)


def lr_palette(lrs: Sequence[float]) -> dict[float, tuple[float, float, float]]:
    """Sequential colours for learning rates (light = small, dark = large), colour-blind safe."""
    colors = sns.color_palette("viridis", len(lrs))
    return {lr: c for lr, c in zip(sorted(lrs), colors)}


def band(ax: plt.Axes, x: np.ndarray, runs: np.ndarray, *, color, label: str | None = None,
         kind: str = "minmax") -> None:
    """Mean line over seeds with a min–max (``kind='minmax'``) or ±1 sd band (``'sd'``)."""
    runs = np.asarray(runs, dtype=float)
    mean = np.nanmean(runs, axis=0)
    if kind == "sd":
        sd = np.nanstd(runs, axis=0, ddof=1) if len(runs) > 1 else np.zeros_like(mean)
        lo, hi = mean - sd, mean + sd
    else:
        lo, hi = np.nanmin(runs, axis=0), np.nanmax(runs, axis=0)
    ax.plot(x, mean, color=color, label=label, lw=1.6)
    ax.fill_between(x, lo, hi, color=color, alpha=0.2, lw=0)


def print_font_sizes(fig: plt.Figure) -> list[tuple[float, str]]:
    """Every visible text of ``fig`` as (size in points once the PDF scales the figure to the text
    width, the text) — what a test checks against MIN_PRINT_PT."""
    fig.canvas.draw()
    # every canvas that can draw (Agg, SVG, PDF) has get_renderer; matplotlib types only FigureCanvasBase
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    width = fig.get_tightbbox(renderer).width  # inches, as saved with bbox 'tight'
    scale = min(1.0, PRINT_WIDTH_IN / width)
    out = []
    for text in (a for a in fig.findobj() if isinstance(a, plt.Text)):
        if text.get_visible() and text.get_text().strip() and text.get_figure() is not None:
            out.append((float(text.get_fontsize()) * scale, text.get_text()))
    return out


def end_label(ax: plt.Axes, x: float, y: float, text: str, *, color, dx: float = 4, **kwargs) -> None:
    """A direct label just right of a line's last point (instead of a legend entry)."""
    ax.annotate(text, xy=(x, y), xytext=(dx, 0), textcoords="offset points", va="center", ha="left",
                color=color, fontsize="small", fontweight="bold", **kwargs)


def legend_below(ax: plt.Axes, *, ncols: int = 1, offset: float = 0.22, **kwargs) -> None:
    """The axes' legend under its x label, outside the data area (a legend inside the axes ends up
    over some line or point sooner or later). ``offset``: distance below the axes, in axes heights."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -offset), ncols=ncols, frameon=False, **kwargs)


def _display_points(ax: plt.Axes, artist) -> np.ndarray:
    """Where ``artist``'s data lie on the canvas (pixels): a line's vertices with 20 points along each
    segment (a segment can cross a box without a vertex in it), a scatter's markers. Reference lines
    drawn in axes coordinates (axhline, axvline) are not data and give none."""
    if isinstance(artist, plt.Line2D):
        if not artist.get_transform().contains_branch(ax.transData):
            return np.empty((0, 2))
        xy = artist.get_transform().transform(np.asarray(artist.get_xydata(), dtype=float))
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy) > 1:
            t = np.linspace(0, 1, 20)[:, None, None]
            xy = (xy[:-1] * (1 - t) + xy[1:] * t).reshape(-1, 2)
        return xy
    offsets = np.asarray(artist.get_offsets(), dtype=float)
    if offsets.size == 0 or not artist.get_offset_transform().contains_branch(ax.transData):
        return np.empty((0, 2))
    xy = artist.get_offset_transform().transform(offsets)
    return xy[np.isfinite(xy).all(axis=1)]


def legends_over_data(fig: plt.Figure) -> list[str]:
    """Each axes legend that covers a data point or line of its axes (inside the axes' area), as
    "panel title: legend entries" — what a test checks is empty (legends stay off the data)."""
    from matplotlib.collections import PathCollection

    fig.canvas.draw()
    found = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box, area = legend.get_window_extent(), ax.get_window_extent()
        for artist in [*ax.lines, *(c for c in ax.collections if isinstance(c, PathCollection))]:
            if not artist.get_visible() or artist in legend.legend_handles:
                continue
            xy = _display_points(ax, artist)
            inside_axes = (xy[:, 0] >= area.x0) & (xy[:, 0] <= area.x1) & (xy[:, 1] >= area.y0) & (xy[:, 1] <= area.y1)
            under = (xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1)
            if (inside_axes & under).any():
                entries = ", ".join(t.get_text() for t in legend.get_texts())
                found.append(f"{ax.get_title() or 'panel'}: legend [{entries}] covers {artist.get_label() or 'data'}")
                break
    return found


def cut_tick_labels(fig: plt.Figure) -> list[str]:
    """Tick labels shortened with an ellipsis ("…"): a label must be wrapped, not cut."""
    fig.canvas.draw()
    return [t.get_text() for ax in fig.axes for t in (*ax.get_xticklabels(), *ax.get_yticklabels())
            if "…" in t.get_text() or t.get_text().endswith("...")]
