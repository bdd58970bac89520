"""The book's colours and optimizer names as plain data, importable without matplotlib or seaborn.

:mod:`hw7.present.plots` draws with them; the tables that declare runs (Problem 1's optimizer table)
name them too, and the CLI that reads those tables need not start a plotting library.
"""

from __future__ import annotations

RGB = tuple[float, float, float]


def _rgb(hex_code: str) -> RGB:
    """``#0173b2`` -> (r, g, b) in [0, 1], exactly as matplotlib's ``to_rgb`` reads it."""
    r, g, b = (int(hex_code[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return (r, g, b)


#: seaborn's colour-blind-safe palette ("colorblind"), in seaborn's order (tests check they agree)
COLORBLIND: tuple[RGB, ...] = tuple(_rgb(h) for h in (
    "#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9"))

#: optimizer name -> colour; the same everywhere in the report
OPTIMIZER_COLORS: dict[str, RGB] = {
    "sgd": COLORBLIND[0],
    "momentum": COLORBLIND[1],
    "nesterov": COLORBLIND[4],
    "adam": COLORBLIND[2],
    "adagrad": COLORBLIND[9],
    "adadelta": COLORBLIND[5],
    "adamax": COLORBLIND[6],
    "rmsprop": COLORBLIND[3],  # not the palette's grey: grey draws "the other optimizers" in appendix A
}

#: optimizer name -> how the report writes it (MNIST chapters and appendix A; Problem 1's optimizers
#: are named in their own table, hw7.problem1.optimizers, since exact gradients are not SGD)
OPTIMIZER_LABELS: dict[str, str] = {
    "sgd": "SGD",
    "momentum": "Momentum",
    "nesterov": "SGD (Nesterov momentum)",
    "adam": "Adam",
    "adagrad": "Adagrad",
    "adadelta": "Adadelta",
    "adamax": "Adamax",
    "rmsprop": "RMSprop",
}
