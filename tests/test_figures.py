"""Every report figure, drawn from the committed cache, fits the page: no wider than the page width
the HTML gives it, and no text smaller than MIN_PRINT_PT once the PDF scales it to the text width."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from hw7.mnist import figures as mnist_figures  # noqa: E402
from hw7.mnist import tables  # noqa: E402
from hw7.mnist.experiments import P2_BASELINE, P2C_CHOICE, P2C_SEARCH, P3C_CHOICE, P3C_SEARCH  # noqa: E402
from hw7.present import plots  # noqa: E402
from hw7.problem1 import figures as problem1_figures  # noqa: E402
from hw7.problem1.experiments import P1_OPTIMIZERS  # noqa: E402
from hw7.readings import figures as readings_figures  # noqa: E402
from hw7.readings.zoo import PUBLISHED_ACC  # noqa: E402
from hw7.store import loader


def _p1(name):
    return {e["config"]["optimizer"]: e for e in loader.load(name)}


def _p1_comparison(part, opts):
    runs = _p1(part)
    return problem1_figures.comparison([runs[o] for o in opts], problem1_figures.WINDOW)


def _p1_contour():
    return problem1_figures.chapter_contour()


def test_p1_window_holds_every_path_of_the_homework_optimizers_in_part_b():
    """The window is a setting, not fitted to the runs: it must still hold part (b)'s homework paths."""
    runs = _p1("p1-b")
    for opt in ("gd", "momentum", "adam"):
        xy = np.asarray(runs[opt]["result"]["xy"], dtype=float)
        assert problem1_figures.WINDOW.contains(xy).all(), opt
    assert not problem1_figures.WINDOW.contains(np.array([[5.0, 0.0]])).any()  # the check can fail


def test_the_book_palette_is_seaborns_colorblind_palette():
    import seaborn as sns

    from hw7.present.palette import COLORBLIND

    assert COLORBLIND == tuple(sns.color_palette("colorblind", 10))


def _p2_hist():
    return {opt: tables.history(loader.load(name)) for opt, name in (("nesterov", "p2-a-sgd-lr"), ("adam", "p2-b-adam-lr"))}


def _p2_final():
    return {opt: tables.over_seeds(tables.finals(loader.load(name)), ["lr"])
            for opt, name in (("nesterov", "p2-a-sgd-lr"), ("adam", "p2-b-adam-lr"))}


def _numpy_pair():
    np_runs = loader.load("app-numpy-mnist")
    seeds = {e["config"]["seed"] for e in np_runs}
    torch_runs = [e for e in loader.load("p2-a-sgd-lr")
                  if e["config"]["lr"] == P2_BASELINE["lr"] and e["config"]["seed"] in seeds]
    return readings_figures.numpy_vs_torch(np_runs, torch_runs)


FIGURES = {
    "p1-contour": _p1_contour,
    "p1-b": lambda: _p1_comparison("p1-b", P1_OPTIMIZERS),
    "p1-c": lambda: _p1_comparison("p1-c", ["momentum", "adam"]),
    "p1-sweep": lambda: problem1_figures.lr_sweep(list(_p1("p1-lr-sweep").values())),
    "p2-lr-curves": lambda: mnist_figures.lr_curves_pair(_p2_hist(), baseline=P2_BASELINE["lr"]),
    "p2-final-vs-lr": lambda: mnist_figures.final_vs_lr(_p2_final(), baseline=P2_BASELINE["lr"]),
    "p2-search": lambda: mnist_figures.search_bars(tables.search_table(loader.load("p2-c-search"), P2C_SEARCH), ref=0.985,
                                          chosen=P2C_CHOICE),
    "p3-search": lambda: mnist_figures.search_bars(tables.search_table(loader.load("p3-c-search"), P3C_SEARCH), ref=0.989,
                                          chosen=P3C_CHOICE),
    "p3-layers": lambda: mnist_figures.layer_norm_heatmaps({"sigmoid": loader.load("p3-a-sigmoid-deep")[:3],
                                                   "relu": loader.load("p3-b-relu-deep")[:3]}),
    "zoo-curves": lambda: readings_figures.zoo_curves(loader.load("app-zoo"), PUBLISHED_ACC),
    "zoo-strip": lambda: readings_figures.zoo_strip(loader.load("app-zoo"), PUBLISHED_ACC),
    "lnn-depth": lambda: readings_figures.lnn_depth_curves(loader.load("app-lnn-depth")[0]),
    "lnn-rate": lambda: readings_figures.lnn_time_and_rate(loader.load("app-lnn-depth")[0], loader.load("app-lnn-lr")[0]),
    "lnn-init": lambda: readings_figures.lnn_init_curves(loader.load("app-lnn-init")[0]),
    "numpy-match": lambda: readings_figures.numpy_step_match(loader.load("app-numpy-gradcheck")[0]),
    "numpy-mnist": _numpy_pair,
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_fits_the_page(name):
    fig = FIGURES[name]()
    try:
        width, _ = fig.get_size_inches()
        assert width <= plots.MAX_WIDTH_IN + 1e-9, f"{name}: {width} in wide"
        sizes = plots.print_font_sizes(fig)
        assert sizes, f"{name}: no text found"
        smallest = min(sizes)
        assert smallest[0] >= plots.MIN_PRINT_PT, f"{name}: '{smallest[1]}' prints at {smallest[0]:.1f} pt"
    finally:
        plt.close(fig)


def test_font_check_catches_small_text():
    fig, ax = plt.subplots(figsize=(plots.MAX_WIDTH_IN, 3))
    ax.text(0.5, 0.5, "tiny", fontsize=6)
    try:
        assert min(plots.print_font_sizes(fig))[0] < plots.MIN_PRINT_PT
    finally:
        plt.close(fig)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_legends_stay_off_the_data_and_no_label_is_cut(name):
    fig = FIGURES[name]()
    try:
        assert plots.legends_over_data(fig) == [], name
        assert plots.cut_tick_labels(fig) == [], name
    finally:
        plt.close(fig)


def test_legend_and_label_checks_catch_a_bad_figure():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="a line from corner to corner")
    ax.scatter([0.05], [0.95], label="a point")
    ax.legend(loc="upper left")
    ax.set_yticks([0.5], ["a label cut sho…"])
    try:
        assert len(plots.legends_over_data(fig)) == 1
        assert plots.cut_tick_labels(fig) == ["a label cut sho…"]
        plots.legend_below(ax)
        ax.set_yticks([0.5], ["a label wrapped\nonto two lines"])
        assert plots.legends_over_data(fig) == [] and plots.cut_tick_labels(fig) == []
    finally:
        plt.close(fig)


def _notebook_svg(draw) -> tuple[str, str]:
    """A figure drawn twice and rendered through IPython's SVG formatter, registered as Quarto's setup cell
    does (``set_matplotlib_formats('svg')``) before a chapter imports the plot style: two renders."""
    from types import SimpleNamespace

    from IPython.core.formatters import DisplayFormatter
    from IPython.core.pylabtools import select_figure_formats

    shell = SimpleNamespace(display_formatter=DisplayFormatter())
    select_figure_formats(shell, {"svg"})
    plots.undated_figures(shell)
    svg = shell.display_formatter.formatters["image/svg+xml"]
    first, second = draw(), draw()
    try:
        return svg(first), svg(second)
    finally:
        plt.close(first)
        plt.close(second)


def test_the_plot_style_fixes_svg_ids():
    assert plt.rcParams["svg.hashsalt"] and plt.rcParams["svg.id"]


def test_a_chapter_figure_renders_to_the_same_svg_twice():
    """Re-rendering leaves _freeze/ unchanged: no random clip-path ids, no date (a Problem 1 figure)."""
    first, second = _notebook_svg(_p1_contour)
    assert first == second and "clip-path" in first and "<dc:date>" not in first
    with plt.rc_context({"svg.hashsalt": None}):  # the check can fail: matplotlib's defaults differ each time
        a, b = _notebook_svg(_p1_contour)
    assert a != b
